import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { keys } from "@/api/keys";
import type { components } from "@/api/schema";
import type { Page, Position, PositionDetail } from "@/api/types";

export type PositionFilters = Record<string, string>;

export function usePositions(filters: PositionFilters = {}, pageSize = 100) {
  return useQuery({
    queryKey: keys.positions({ ...filters, page_size: String(pageSize) }),
    queryFn: () => api<Page<Position>>("positions", { query: { ...filters, page_size: pageSize } }),
    placeholderData: keepPreviousData, // a new sort or page keeps the rows on screen until it arrives
  });
}

// Fills, closes and each take-profit tick's price marks (`positions.marked`) arrive as live
// events and patch these caches (src/live/applyEvent.ts): no polling.
export function usePosition(id: string) {
  return useQuery({
    queryKey: keys.position(id),
    queryFn: () => api<PositionDetail>(`positions/${id}`),
  });
}

export function useClosePosition(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api<PositionDetail>(`positions/${id}/close`, { method: "POST" }),
    onSuccess: (detail) => {
      client.setQueryData(keys.position(id), detail);
      void client.invalidateQueries({ queryKey: keys.positionsAll });
    },
  });
}

export const OPEN_STATUSES = ["waiting", "live", "partially_filled", "active", "closing"] as const;
export function isOpenStatus(status: string): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(status);
}

export type LiveCandles = components["schemas"]["LiveCandles"];

export interface CandleParams {
  account: string;
  symbol: string;
  timeframe: string;
  timeframeSeconds: number;
  since?: number | undefined; // epoch ms
  limit: number;
  live: boolean; // refetch while the position is open
}

/** Live exchange candles through the position's own account (GET market/candles), read again
 * once per candle period (5 to 60 s) while `live`. */
export function useCandles({ account, symbol, timeframe, timeframeSeconds, since, limit, live }: CandleParams) {
  const query: Record<string, string | number> = { account, symbol, timeframe, limit };
  if (since !== undefined) query.since = since;
  return useQuery({
    queryKey: ["market-candles", account, symbol, timeframe, since ?? null, limit] as const,
    queryFn: () => api<LiveCandles>("market/candles", { query }),
    enabled: Boolean(account && symbol),
    refetchInterval: live ? Math.min(60, Math.max(5, timeframeSeconds)) * 1000 : false,
    placeholderData: (previous) => previous,
  });
}
