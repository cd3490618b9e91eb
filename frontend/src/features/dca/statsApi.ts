import { useQuery } from "@tanstack/react-query";
import { api } from "@/api/client";
import { keys } from "@/api/keys";
import type { components } from "@/api/schema";

/** One configuration's deals, profit, win rate, time held and capital in use (GET dca-configs/stats). */
export type DcaConfigStats = components["schemas"]["ConfigStats"];

// Under the configurations' key, so saving or deleting one refreshes the stats too.
export const statsKey = [...keys.dcaConfigs, "stats"] as const;

/** The stats of every configuration, by configuration id. Deals close while the page is open:
 * looked at again every 30 s. */
export function useDcaConfigStats() {
  return useQuery({
    queryKey: statsKey,
    queryFn: () => api<DcaConfigStats[]>("dca-configs/stats"),
    select: (rows) => new Map(rows.map((row) => [row.config_id, row])),
    refetchInterval: 30_000,
  });
}
