import { z } from "zod";

/**
 * Ferry's machine-readable record of what a PR promotes, hidden in the PR body. GitHub stays the
 * database: "which tag does the open PR carry" and "what ran before" are read back from here.
 */
export const markerSchema = z.object({
  app: z.string(),
  env: z.string(),
  tag: z.string(),
  digest: z.string().optional(),
  /** Tag the environment ran before this PR, when known. */
  from: z.string().optional(),
  builtAt: z.string(),
  source: z.string().optional(),
  sha: z.string().optional(),
  rollback: z.boolean().optional(),
});
export type Marker = z.infer<typeof markerSchema>;

const pattern = /<!-- ferry:v1 (\{.*?\}) -->/s;

export function renderMarker(marker: Marker): string {
  // `--` cannot appear inside an HTML comment; JSON never needs it unescaped.
  return `<!-- ferry:v1 ${JSON.stringify(marker).replaceAll("--", "-\\u002d")} -->`;
}

/** The marker in a PR body, or undefined when there is none or it was edited into nonsense. */
export function parseMarker(body: string | null | undefined): Marker | undefined {
  const match = body ? pattern.exec(body) : null;
  if (!match?.[1]) return undefined;
  try {
    const parsed = markerSchema.safeParse(JSON.parse(match[1]));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Trailer on every commit Ferry makes, so a human commit on a Ferry branch is recognisable. */
export const commitTrailer = "Ferry-Promotion:";

export function isFerryCommit(message: string | undefined): boolean {
  return message?.split("\n").some((line) => line.startsWith(commitTrailer)) ?? false;
}
