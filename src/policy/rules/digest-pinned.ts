import { imagesOf } from "../images.js";
import type { PolicyRule } from "../rule.js";

/** A tag can be re-pushed; a digest cannot. Also turned on by an environment's `digest: required`. */
export const digestPinned: PolicyRule = {
  id: "digest-pinned",
  description:
    "Every container image is pinned by digest (image:tag@sha256:…). Off by default; on as an error in environments with digest: required.",
  fix: "pin the image by digest: image:tag@sha256:…",
  defaultSeverity: "off",
  check(object, ctx) {
    const why = ctx.digestRequired ? ` (environment ${ctx.environment} has digest: required)` : "";
    return imagesOf(object).flatMap((image) =>
      image.reference === undefined ||
      image.reference.digest !== undefined ||
      image.tagFromBase ||
      ctx.kustomizeOverrides.get(image.reference.name)?.digest === true
        ? []
        : [ctx.report(image.path, `${image.owner} image "${image.text}" is not pinned by digest${why}`)],
    );
  },
};
