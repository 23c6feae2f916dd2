import type { Finding } from "../../findings.js";
import type { PolicyRule } from "../rule.js";
import { podSpecOf } from "../workloads.js";

const namespaces = ["hostNetwork", "hostPID", "hostIPC"] as const;

/** Sharing the node's network, process or IPC namespace lets a pod see and touch the node. */
export const noHostNamespaces: PolicyRule = {
  id: "no-host-namespaces",
  description: "No pod shares the node's network, PID or IPC namespace (hostNetwork, hostPID, hostIPC).",
  fix: "remove it",
  defaultSeverity: "error",
  check(object, ctx) {
    const pod = podSpecOf(object);
    if (pod === undefined) return [];
    const findings: Finding[] = [];
    for (const key of namespaces) {
      if (pod.spec[key] === true) {
        findings.push(
          ctx.report([...pod.path, key], `${key}: true shares the node's namespace`, "remove it"),
        );
      }
    }
    return findings;
  },
};
