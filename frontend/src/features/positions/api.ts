import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { keys } from "@/api/keys";
import type { Page, Position, PositionDetail } from "@/api/types";

export type PositionFilters = Record<string, string>;

export function usePositions(filters: PositionFilters = {}, pageSize = 100) {
  return useQuery({
    queryKey: keys.positions({ ...filters, page_size: String(pageSize) }),
    queryFn: () => api<Page<Position>>("positions", { query: { ...filters, page_size: pageSize } }),
    refetchInterval: (query) => (query.state.data?.results.some((p) => isOpenStatus(p.status)) ? MARK_REFRESH_MS : false),
  });
}

// Fills and closes arrive as live events; the periodic price marks do not (they are written in
// bulk), so an open position is also read again every 10 s for its last price and PnL.
const MARK_REFRESH_MS = 10_000;

export function usePosition(id: string) {
  return useQuery({
    queryKey: keys.position(id),
    queryFn: () => api<PositionDetail>(`positions/${id}`),
    refetchInterval: (query) => (query.state.data && isOpenStatus(query.state.data.status) ? MARK_REFRESH_MS : false),
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
