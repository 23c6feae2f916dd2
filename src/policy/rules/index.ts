import type { PolicyRule } from "../rule.js";
import { allowedRegistries } from "./allowed-registries.js";
import { digestPinned } from "./digest-pinned.js";
import { noHostNamespaces } from "./no-host-namespaces.js";
import { noLatestTag } from "./no-latest-tag.js";
import { noPlaintextSecrets } from "./no-plaintext-secrets.js";
import { noPrivileged } from "./no-privileged.js";
import { requiredLabels } from "./required-labels.js";
import { resourcesRequired } from "./resources-required.js";
import { runAsNonRoot } from "./run-as-non-root.js";

/** Every policy rule, in the order docs and summaries list them (the order of `policyRuleIds`). */
export const policyRules: readonly PolicyRule[] = [
  noLatestTag,
  allowedRegistries,
  digestPinned,
  resourcesRequired,
  noPrivileged,
  noHostNamespaces,
  runAsNonRoot,
  noPlaintextSecrets,
  requiredLabels,
];
