// The NSE strategy's endpoints (equities/*) as TanStack queries; the keys live here because only
// these pages read them, under the prefix the live "strategy.updated" event invalidates.
import { useQuery } from "@tanstack/react-query";
import { api, ApiError } from "@/api/client";
import { keys } from "@/api/keys";
import type { Page } from "@/api/types";
import type { AnalysisRun, AnalysisRunDetail, Chart, LegacyImport, StrategyDay, StrategyHolding, StrategySettings, StrategyTask } from "./types";

export const strategyKeys = {
  all: keys.strategy,
  settings: ["strategy", "settings"] as const,
  tasks: ["strategy", "tasks"] as const,
  runs: ["strategy", "runs"] as const,
  run: (id: string) => ["strategy", "runs", id] as const,
  chart: (symbol: string, days: number) => ["strategy", "chart", symbol, days] as const,
  holdings: ["strategy", "holdings"] as const,
  days: ["strategy", "days"] as const,
  imports: ["strategy", "imports"] as const,
};

export function useStrategySettings() {
  return useQuery({ queryKey: strategyKeys.settings, queryFn: () => api<StrategySettings>("equities/strategy") });
}

export function useStrategyTasks() {
  return useQuery({ queryKey: strategyKeys.tasks, queryFn: () => api<StrategyTask[]>("equities/tasks"), refetchInterval: 30_000 });
}

export function useAnalysisRuns() {
  return useQuery({ queryKey: strategyKeys.runs, queryFn: () => api<Page<AnalysisRun>>("equities/analysis/runs", { query: { page_size: 100 } }) });
}

/** One run's detail; "latest" is the newest, and null while no analysis has run. */
export function useAnalysisRun(id: string, refetchInterval?: number) {
  return useQuery({
    queryKey: strategyKeys.run(id),
    queryFn: async () => {
      try {
        return await api<AnalysisRunDetail>(id === "latest" ? "equities/analysis/latest" : `equities/analysis/runs/${id}`);
      } catch (error) {
        if (id === "latest" && error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
    refetchInterval,
  });
}

export function useChart(symbol: string | null, days = 250) {
  return useQuery({
    queryKey: strategyKeys.chart(symbol ?? "", days),
    queryFn: () => api<Chart>("equities/analysis/chart", { query: { symbol: symbol ?? "", days } }),
    enabled: Boolean(symbol),
  });
}

export function useHoldings() {
  return useQuery({ queryKey: strategyKeys.holdings, queryFn: () => api<StrategyHolding[]>("equities/holdings"), refetchInterval: 60_000 });
}

export function useStrategyDays() {
  return useQuery({ queryKey: strategyKeys.days, queryFn: () => api<Page<StrategyDay>>("equities/days", { query: { page_size: 30 } }) });
}

export function useLegacyImports() {
  return useQuery({ queryKey: strategyKeys.imports, queryFn: () => api<Page<LegacyImport> | LegacyImport[]>("equities/legacy-imports") });
}
