import type { Performance } from "@/api/types";
import type { ChartPoint } from "@/charts/LineChart";
import { toNumber } from "@/lib/format";

/** The API's daily curve as chart points (midnight UTC of each day). */
export function equityPoints(performance: Performance | undefined): ChartPoint[] {
  if (!performance) return [];
  return performance.equity_curve
    .map((point) => ({ time: Math.floor(Date.parse(`${point.date}T00:00:00Z`) / 1000), value: toNumber(point.cumulative_realized) ?? 0 }))
    .filter((point) => Number.isFinite(point.time))
    .sort((a, b) => a.time - b.time);
}
