import { imagesOf } from "../images.js";
import type { PolicyRule } from "../rule.js";

/** `latest` (or no tag) moves under you: the same manifest deploys different code tomorrow. */
export const noLatestTag: PolicyRule = {
  id: "no-latest-tag",
  description:
    "Every container image names a tag other than latest, or a digest; an untagged image means latest.",
  fix: "pin a version tag or a digest",
  defaultSeverity: "error",
  check(object, ctx) {
    return imagesOf(object).flatMap((image) => {
      const ref = image.reference;
      // A digest pins the image whatever the tag says.
      if (ref === undefined || ref.digest !== undefined || image.tagFromBase) return [];
      if (ref.tag === undefined) {
        // The base leaves the tag to the overlays' kustomization.yaml, which is checked instead.
        if (ctx.kustomizeOverrides.get(ref.name)?.tag === true) return [];
        return [
          ctx.report(
            image.path,
            `${image.owner} image "${image.text}" has no tag, so it runs latest`,
            "pin a version",
          ),
        ];
      }
      if (ref.tag === "latest") {
        return [
          ctx.report(image.path, `${image.owner} image "${image.text}" uses the latest tag`, "pin a version"),
        ];
      }
      return [];
    });
  },
};
