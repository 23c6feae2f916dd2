import { imagesOf, isAllowedRegistry } from "../images.js";
import type { PolicyRule } from "../rule.js";

/** Only images from registries the platform trusts (and mirrors, and scans) may run. */
export const allowedRegistries: PolicyRule = {
  id: "allowed-registries",
  description:
    "Every container image comes from one of the registries or registry paths listed in the rule's `registries` setting.",
  fix: "use an image from an allowed registry, or add its registry to allowed-registries in ferry.yml",
  defaultSeverity: "error",
  check(object, ctx) {
    if (ctx.registries.length === 0) return [];
    const allowed = ctx.registries.join(", ");
    return imagesOf(object).flatMap((image) =>
      image.reference === undefined ||
      isAllowedRegistry(image.reference, ctx.registries) ||
      // Renamed by a kustomization `newName`, which is checked instead.
      ctx.kustomizeOverrides.get(image.reference.name)?.name === true
        ? []
        : [
            ctx.report(
              image.path,
              `${image.owner} image "${image.text}" (${image.reference.name}) is not from an allowed registry: ${allowed}`,
            ),
          ],
    );
  },
};
