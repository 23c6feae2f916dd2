import type { Finding } from "../../findings.js";
import type { PolicyRule } from "../rule.js";
import { containersOf, describeContainer, isRecord } from "../workloads.js";

/** A privileged container, or one that may gain privileges, can take over its node. */
export const noPrivileged: PolicyRule = {
  id: "no-privileged",
  description: "No container runs privileged or with allowPrivilegeEscalation: true.",
  fix: "remove securityContext.privileged and set allowPrivilegeEscalation: false",
  defaultSeverity: "error",
  check(object, ctx) {
    const findings: Finding[] = [];
    for (const at of containersOf(object)) {
      const security = at.container.securityContext;
      if (!isRecord(security)) continue;
      if (security.privileged === true) {
        findings.push(
          ctx.report(
            [...at.path, "securityContext", "privileged"],
            `${describeContainer(at)} runs privileged`,
            "remove securityContext.privileged",
          ),
        );
      }
      if (security.allowPrivilegeEscalation === true) {
        findings.push(
          ctx.report(
            [...at.path, "securityContext", "allowPrivilegeEscalation"],
            `${describeContainer(at)} allows privilege escalation`,
            "set allowPrivilegeEscalation: false",
          ),
        );
      }
    }
    return findings;
  },
};
