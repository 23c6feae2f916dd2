import type { Finding } from "../../findings.js";
import type { PolicyRule } from "../rule.js";
import { containersOf, describeContainer, dig } from "../workloads.js";

const required = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"] as const;

/** Every container states what it needs and what it may use, so the scheduler and the OOM killer behave. */
export const resourcesRequired: PolicyRule = {
  id: "resources-required",
  description: "Every container and init container sets CPU and memory requests and limits.",
  fix: "set resources.requests and resources.limits for cpu and memory",
  defaultSeverity: "warning",
  wholeObject: true,
  check(object, ctx) {
    const findings: Finding[] = [];
    for (const at of containersOf(object)) {
      // Kubernetes forbids resources on ephemeral (debug) containers.
      if (at.list === "ephemeralContainers") continue;
      const resources = at.container.resources;
      const missing = required.filter((key) => {
        const value = dig(resources, key.split("."));
        return value === undefined || value === null || value === "";
      });
      if (missing.length === 0) continue;
      const path = resources === undefined || resources === null ? at.path : [...at.path, "resources"];
      findings.push(
        ctx.report(
          path,
          `${describeContainer(at)} has no ${missing.map((m) => `resources.${m}`).join(", ")}`,
        ),
      );
    }
    return findings;
  },
};
