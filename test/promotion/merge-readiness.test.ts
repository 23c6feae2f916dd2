import { describe, expect, it } from "vitest";
import { type CheckRunState, mergeReadiness } from "../../src/promotion/merge-readiness.js";

const ferry = 1234;
const ci = 15368;
const other = 777;
const run = (name: string, appId: number, conclusion: string | null = "success"): CheckRunState => ({
  name,
  appId,
  status: conclusion === null ? "in_progress" : "completed",
  conclusion,
});
/** Ferry's own two checks (only Ferry's runs count) and the base branch's required `build`. */
const required = [
  { name: "Ferry / validate", appId: ferry },
  { name: "Ferry / promotion", appId: ferry },
  { name: "build" },
];

describe("mergeReadiness: when Ferry may merge its own PR", () => {
  it("is ready once every required check passed and nothing else runs or failed", () => {
    const runs = [
      run("Ferry / validate", ferry),
      run("Ferry / promotion", ferry, "neutral"),
      run("build", ci),
    ];
    expect(mergeReadiness(runs, required)).toEqual({ ready: true });
  });

  it("waits for a required check that has not reported yet, and for any check still running", () => {
    expect(mergeReadiness([run("Ferry / validate", ferry), run("lint", ci, null)], required)).toEqual({
      ready: false,
      waiting: ["Ferry / promotion", "build", "lint"],
    });
  });

  it("names every failed check, whichever app posted it", () => {
    const runs = [run("Ferry / validate", ferry, "failure"), run("build", ci, "cancelled")];
    expect(mergeReadiness(runs, required)).toEqual({ ready: false, failed: ["Ferry / validate", "build"] });
  });

  it("does not take another app's success under Ferry's check names as Ferry's own", () => {
    const runs = [run("Ferry / validate", other), run("Ferry / promotion", other), run("build", ci)];
    expect(mergeReadiness(runs, required)).toEqual({
      ready: false,
      waiting: ["Ferry / validate", "Ferry / promotion"],
    });
  });
});
