import type { Finding } from "../../findings.js";
import type { PolicyRule } from "../rule.js";
import { containersOf, describeContainer, isRecord, podSpecOf } from "../workloads.js";

/**
 * Passes when each container, through its own or the pod's securityContext, sets
 * `runAsNonRoot: true` or a non-zero `runAsUser`; the container setting wins, as in Kubernetes.
 */
export const runAsNonRoot: PolicyRule = {
  id: "run-as-non-root",
  description:
    "Every container runs as a non-root user: runAsNonRoot: true or a non-zero runAsUser, on the container or the pod.",
  fix: "set securityContext.runAsNonRoot: true, or a non-zero runAsUser",
  defaultSeverity: "warning",
  wholeObject: true,
  check(object, ctx) {
    const pod = podSpecOf(object);
    if (pod === undefined) return [];
    const podSecurity = isRecord(pod.spec.securityContext) ? pod.spec.securityContext : {};
    const podSecurityPath = [...pod.path, "securityContext"];
    const findings: Finding[] = [];
    for (const at of containersOf(object)) {
      const own = isRecord(at.container.securityContext) ? at.container.securityContext : {};
      const ownPath = [...at.path, "securityContext"];
      const user = "runAsUser" in own ? own.runAsUser : podSecurity.runAsUser;
      const userPath = "runAsUser" in own ? [...ownPath, "runAsUser"] : [...podSecurityPath, "runAsUser"];
      const nonRoot = "runAsNonRoot" in own ? own.runAsNonRoot : podSecurity.runAsNonRoot;
      const nonRootPath =
        "runAsNonRoot" in own ? [...ownPath, "runAsNonRoot"] : [...podSecurityPath, "runAsNonRoot"];
      if (user === 0) {
        findings.push(ctx.report(userPath, `${describeContainer(at)} runs as root (runAsUser: 0)`));
      } else if (nonRoot === false && !(typeof user === "number" && user > 0)) {
        findings.push(ctx.report(nonRootPath, `${describeContainer(at)} sets runAsNonRoot: false`));
      } else if (nonRoot !== true && !(typeof user === "number" && user > 0)) {
        findings.push(
          ctx.report(
            at.path,
            `${describeContainer(at)} may run as root`,
            "set securityContext.runAsNonRoot: true on the container or the pod",
          ),
        );
      }
    }
    return findings;
  },
};
