import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, apiResponse } from "@/api/client";
import { keys } from "@/api/keys";
import type { components } from "@/api/schema";
import type { Page, Position } from "@/api/types";
import { saveResponse } from "@/lib/download";

export type DealFilters = Record<string, string>;

// Under the positions prefix: a close (a live status change) refreshes the deals too.
export const dealsKey = (filters: DealFilters) => [...keys.positionsAll, "deals", filters] as const;

export function useDeals(filters: DealFilters = {}, pageSize = 50) {
  return useQuery({
    queryKey: dealsKey({ ...filters, page_size: String(pageSize) }),
    queryFn: () => api<Page<Position>>("deals", { query: { ...filters, page_size: pageSize } }),
    placeholderData: keepPreviousData, // a new sort or page keeps the rows on screen until it arrives
  });
}

export type DealTotals = components["schemas"]["DealTotals"];

/** Count, wins and realized PnL per quote currency of every deal matching `filters` (all pages). */
export function useDealTotals(filters: DealFilters = {}) {
  const { page: _page, ordering: _ordering, ...every } = filters;
  return useQuery({
    queryKey: [...keys.positionsAll, "deals", "totals", every] as const,
    queryFn: () => api<DealTotals>("deals/totals", { query: every }),
  });
}

/** Every deal matching `filters` (not one page) as the server's CSV file. */
export async function downloadDealsCsv(filters: DealFilters): Promise<void> {
  const { page: _page, ...every } = filters;
  const response = await apiResponse("deals.csv", { query: every });
  await saveResponse(response, "tradefleet-deals.csv");
}
