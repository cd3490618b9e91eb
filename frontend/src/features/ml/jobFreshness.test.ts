import { describe, expect, it } from "vitest";
import { newerJob, newerJobsPage } from "./jobFreshness";
import { jobFixture } from "./testFixtures";

describe("a job fetched while live steps arrive", () => {
  const line = (message: string) => ({ at: "t", level: "info", message });

  it("keeps the cached progress when the answer is older, and takes the answer otherwise", () => {
    const shown = jobFixture({ status: "running", progress: 5, last_log: line("Loaded AAPL") });
    const stale = jobFixture({ status: "running", progress: 1, last_log: line("Started"), started_at: "2026-12-06T10:00:01Z" });
    expect(newerJob(shown, stale)).toMatchObject({ progress: 5, last_log: line("Loaded AAPL"), started_at: "2026-12-06T10:00:01Z" });
    const fresh = jobFixture({ status: "succeeded", progress: 100, finished_at: "2026-12-06T10:01:00Z" });
    expect(newerJob(shown, fresh)).toBe(fresh);
    expect(newerJob(jobFixture({ status: "running", progress: 80 }), jobFixture({ status: "cancelled", progress: 80 })).status).toBe("cancelled");
  });

  it("keeps the longer log of an open detail, and applies row by row to a page", () => {
    const shown = { ...jobFixture({ status: "running", progress: 50 }), log: [line("a"), line("b")] };
    expect(newerJob(shown, { ...jobFixture({ status: "running", progress: 45 }), log: [line("a")] }).log).toHaveLength(2);
    const page = (results: ReturnType<typeof jobFixture>[]) => ({ count: results.length, next: null, previous: null, results });
    const merged = newerJobsPage(page([jobFixture({ id: "j1", status: "running", progress: 45 })]), page([jobFixture({ id: "j2" }), jobFixture({ id: "j1", status: "pending", progress: 0 })])) as ReturnType<typeof page>;
    expect(merged.results.map((job) => [job.id, job.status, job.progress])).toEqual([["j2", "pending", 0], ["j1", "running", 45]]);
  });
});
