// A job only moves forward on the server (pending → running → done, its progress never lower),
// but a list or detail fetched while a live step arrives can answer an older state. Such an answer
// keeps what the cache already showed, so the bar never jumps back.
import type { Page } from "@/api/types";
import type { JobStatus, TrainingJob, TrainingJobDetail } from "./types";

const STAGE: Record<JobStatus, number> = { pending: 0, running: 1, succeeded: 2, failed: 2, cancelled: 2 };

function ahead(a: TrainingJob, b: TrainingJob): boolean {
  return STAGE[a.status] > STAGE[b.status] || (STAGE[a.status] === STAGE[b.status] && a.progress > b.progress);
}

/** The fetched job, unless the cached one is further along: then its live fields stay. */
export function newerJob<T extends TrainingJob | TrainingJobDetail>(cached: T | undefined, fetched: T): T {
  if (!cached || cached.id !== fetched.id || !ahead(cached, fetched)) return fetched;
  const live = { status: cached.status, progress: cached.progress, last_log: cached.last_log, error: cached.error };
  return "log" in cached ? { ...fetched, ...live, log: cached.log } : { ...fetched, ...live };
}

export function newerJobsPage(cached: unknown, fetched: unknown): unknown {
  const page = fetched as Page<TrainingJob> | undefined;
  const before = cached as Page<TrainingJob> | undefined;
  if (!page?.results || !before?.results) return fetched;
  const byId = new Map(before.results.map((job) => [job.id, job]));
  return { ...page, results: page.results.map((job) => newerJob(byId.get(job.id), job)) };
}
