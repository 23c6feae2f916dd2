import { z } from "zod";

/** What Ferry makes of a reconciled object: the one word a reviewer reads on the check run. */
export const phases = ["syncing", "healthy", "degraded", "failed", "drifted", "unknown"] as const;
export type Phase = (typeof phases)[number];

/** Argo CD's sync vocabulary; Flux conditions are mapped onto it by the agent. */
export const syncStatuses = ["Synced", "OutOfSync", "Unknown"] as const;
export type SyncStatus = (typeof syncStatuses)[number];

/** Argo CD's health vocabulary; Flux conditions are mapped onto it by the agent. */
export const healthStatuses = [
  "Healthy",
  "Progressing",
  "Degraded",
  "Suspended",
  "Missing",
  "Unknown",
] as const;
export type HealthStatus = (typeof healthStatuses)[number];

/** The kinds of object an agent reports on. */
export const reportedKinds = ["Application", "Kustomization", "HelmRelease"] as const;
export type ReportedKind = (typeof reportedKinds)[number];

const name = z.string().min(1).max(253);

/** A resource that differs from git (Argo CD resource sync status OutOfSync). */
export const driftedResourceSchema = z.object({
  group: z.string().optional(),
  kind: z.string().min(1),
  namespace: z.string().optional(),
  name,
});
export type DriftedResource = z.infer<typeof driftedResourceSchema>;

/** Body of `POST /ferry/v1/reports`; see docs/agent.md for the protocol. */
export const reportSchema = z.object({
  /** The agent's identity; selects the secret that must have signed the report. */
  cluster: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  /** `owner/repo` of the config repo the object deploys from, when the agent knows it. */
  configRepo: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/)
    .optional(),
  environment: z.string().min(1),
  object: z.object({ kind: z.enum(reportedKinds), namespace: z.string(), name }),
  /** Config-repo commit SHA the state is about; absent when not yet known (early sync error). */
  revision: z
    .string()
    .regex(/^[0-9a-f]{7,64}$/)
    .optional(),
  sync: z.enum(syncStatuses),
  health: z.enum(healthStatuses),
  phase: z.enum(phases),
  message: z.string().max(4096).optional(),
  drifted: z.array(driftedResourceSchema).max(1000),
  /** When the agent observed this state (ISO 8601). */
  observedAt: z.iso.datetime(),
  /** Strictly increasing per object, seeded from the agent's clock (ms) so a new leader continues above. */
  sequence: z.number().int().nonnegative(),
  /** The object's page in its controller's UI (Argo CD), when the agent knows the UI's address: https only. */
  url: z
    .url({ protocol: /^https$/ })
    .max(2048)
    .optional(),
});
export type Report = z.infer<typeof reportSchema>;

export { objectKey } from "./object-key.js";
