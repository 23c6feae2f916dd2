import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import type { RenderTools } from "./render.js";
import { defaultRunLimits } from "./run-tool.js";

/** What the settings say about rendering (FERRY_KUBECTL, FERRY_HELM, limits). */
export interface RenderSettings {
  /** Path of kubectl; unset: `kubectl` on PATH. */
  kubectl?: string | undefined;
  /** Path of helm; unset: `helm` on PATH. */
  helm?: string | undefined;
  timeoutMs?: number;
  memoryMb?: number;
}

/**
 * The binaries a render uses, each an executable file or undefined (the render check then says
 * it was skipped and why). Resolved once at start-up, not per PR.
 */
export function resolveTools(settings: RenderSettings, path = process.env.PATH ?? ""): RenderTools {
  return {
    kubectl: find(settings.kubectl, "kubectl", path),
    helm: find(settings.helm, "helm", path),
    limits: {
      ...defaultRunLimits,
      ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}),
      ...(settings.memoryMb ? { memoryBytes: settings.memoryMb * 1024 * 1024 } : {}),
    },
  };
}

function find(explicit: string | undefined, name: string, path: string): string | undefined {
  if (explicit !== undefined && explicit !== "") return executable(resolve(explicit));
  for (const dir of path.split(delimiter)) {
    if (dir === "" || !isAbsolute(dir)) continue;
    const found = executable(join(dir, name));
    if (found) return found;
  }
  return undefined;
}

function executable(file: string): string | undefined {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}
