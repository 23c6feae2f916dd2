import { describe, expect, it } from "vitest";
import { isFerryCommit, type Marker, parseCommitMarker, parseMarker } from "../../src/promotion/marker.js";
import { commitMessage, promotionBody } from "../../src/promotion/pr-body.js";

const marker: Marker = {
  app: "api",
  env: "staging",
  tag: "1.6.0",
  digest: `sha256:${"d".repeat(64)}`,
  from: "1.5.0",
  builtAt: "2026-01-01T10:00:00.000Z",
  sha: "a".repeat(40),
};

describe("the marker in Ferry's commit", () => {
  it("rides in git trailers under the title, and reads back whole", () => {
    const message = commitMessage({ app: "api", env: "staging", marker });
    const [title, blank, ...trailers] = message.split("\n");
    expect(title).toBe("Promote api 1.6.0 to staging");
    expect(blank).toBe("");
    expect(trailers).toEqual([
      "Ferry-Promotion: api@1.6.0 staging",
      `Ferry-Marker: ${JSON.stringify(marker)}`,
    ]);
    expect(isFerryCommit(message)).toBe(true);
    expect(parseCommitMarker(message)).toEqual(marker);
  });

  it("agrees with the marker in the PR body", () => {
    const body = promotionBody({ app: "api", env: "staging", marker, references: [] });
    expect(parseMarker(body)).toEqual(
      parseCommitMarker(commitMessage({ app: "api", env: "staging", marker })),
    );
  });

  it.each([
    ["a human commit", "Fix the overlay by hand", undefined],
    [
      "a human commit that copies the marker trailer alone",
      `Fix\n\nFerry-Marker: ${JSON.stringify(marker)}`,
      undefined,
    ],
    [
      "a Ferry commit from before markers moved into commits",
      "Promote api 1.6.0 to staging\n\nFerry-Promotion: api@1.6.0 staging",
      undefined,
    ],
    [
      "a Ferry commit whose marker is not JSON",
      "P\n\nFerry-Promotion: api@1 staging\nFerry-Marker: {nope",
      undefined,
    ],
    [
      "a Ferry commit whose marker lacks a tag",
      'P\n\nFerry-Promotion: api@1 staging\nFerry-Marker: {"app":"api"}',
      undefined,
    ],
    ["no message", undefined, undefined],
  ])("is absent from %s", (_name, message, expected) => {
    expect(parseCommitMarker(message)).toEqual(expected);
  });
});
