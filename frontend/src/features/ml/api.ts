// The ML endpoints as TanStack queries (admin only, but for ml/active, which every trader reads).
import { useQuery } from "@tanstack/react-query";
import { api } from "@/api/client";
import { keys } from "@/api/keys";
import type { Page } from "@/api/types";
import { listOf } from "@/lib/useSoftQuery";
import { newerJob, newerJobsPage } from "./jobFreshness";
import type { ActiveModels, MarketSeries, MLModel, ModelComparison, TrainingJob, TrainingJobDetail } from "./types";

export const JOBS_PAGE_SIZE = 10;
const LIVE: TrainingJob["status"][] = ["pending", "running"];

export function isLive(job: { status: TrainingJob["status"] }): boolean {
  return LIVE.includes(job.status);
}

/** Jobs, newest first. The socket moves them; a slow poll covers a socket that is down. */
export function useJobs(page: number) {
  return useQuery({
    queryKey: keys.mlJobsPage(page),
    queryFn: () => api<Page<TrainingJob>>("ml/jobs", { query: { page, page_size: JOBS_PAGE_SIZE } }),
    placeholderData: (previous) => previous,
    structuralSharing: newerJobsPage,
    refetchInterval: (query) => (query.state.data?.results.some(isLive) ? 15_000 : false),
  });
}

export function useJob(id: string | null) {
  return useQuery({
    queryKey: keys.mlJob(id ?? ""),
    queryFn: () => api<TrainingJobDetail>(`ml/jobs/${id}`),
    enabled: Boolean(id),
    structuralSharing: (cached, fetched) => newerJob(cached as TrainingJobDetail | undefined, fetched as TrainingJobDetail),
    refetchInterval: (query) => (query.state.data && isLive(query.state.data) ? 15_000 : false),
  });
}

/** Every registered model (by type, newest version first); the detail drawer reads from here. */
export function useModels() {
  return useQuery({
    queryKey: keys.mlModels,
    queryFn: async () => listOf<MLModel>(await api<Page<MLModel> | MLModel[]>("ml/models", { query: { page_size: 500 } })),
  });
}

export function useComparison(a: string | null, b: string | null) {
  return useQuery({
    queryKey: keys.mlCompare(a ?? "", b ?? ""),
    queryFn: () => api<ModelComparison>("ml/models/compare", { query: { a: a ?? "", b: b ?? "" } }),
    enabled: Boolean(a && b && a !== b),
  });
}

/** The daily series training can read, from the shared market data. */
export function useDailySeries() {
  return useQuery({
    queryKey: keys.marketSeries,
    queryFn: async () => {
      const series = listOf<MarketSeries>(await api<Page<MarketSeries> | MarketSeries[]>("market-data/series", { query: { page_size: 500 } }));
      return series.filter((s) => s.interval === "1d");
    },
  });
}

export function useActiveModels() {
  return useQuery({ queryKey: keys.mlActive, queryFn: () => api<ActiveModels>("ml/active") });
}
