// Pure helpers between the API's panels and what the page draws: chart data in the shape
// lightweight-charts wants, how many measured points a panel has, values with their unit.
import { formatTime } from "@/lib/format";
import type { Cell, MetricSeries, Panel } from "./types";

/** A measured value, or only a time: lightweight-charts draws a gap at a point without a value. */
export type ChartDatum = { time: number; value: number } | { time: number };

/** lightweight-charts wants strictly ascending times in UTC seconds: sorted, the last value of a
 * time kept; null (nothing measured in that step) becomes a gap. */
export function chartData(series: MetricSeries): ChartDatum[] {
  const byTime = new Map<number, number | null>();
  for (const [at, value] of series.points) {
    const time = Math.floor(Date.parse(at) / 1000);
    if (!Number.isFinite(time)) continue;
    byTime.set(time, typeof value === "number" && Number.isFinite(value) ? value : null);
  }
  return Array.from(byTime.entries())
    .sort(([a], [b]) => a - b)
    .map(([time, value]) => (value === null ? { time } : { time, value }));
}

/** Points with a value in the series. */
export function measuredPoints(series: MetricSeries): number {
  return series.points.filter(([, value]) => typeof value === "number" && Number.isFinite(value)).length;
}

/** Whether the panel has anything to show in this window. */
export function hasData(panel: Panel): boolean {
  return panel.kind === "table" ? panel.rows.length > 0 : panel.series.some((series) => measuredPoints(series) > 0);
}

/** "ms" -> "API latency (ms)"; a per-minute unit reads "(/min)" as the API names it. */
export function titleWithUnit(title: string, unit: string): string {
  return unit ? `${title} (${unit})` : title;
}

/** A value for people: at most two decimals, thousands separated, a time in local time, "—"
 * when missing. */
export function formatValue(value: Cell | undefined, unit = ""): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value)) return formatTime(value);
  if (typeof value === "string" && !/^-?\d+(\.\d+)?$/.test(value.trim())) return value;
  const number = Number(value);
  const text = number.toLocaleString("en-US", { maximumFractionDigits: Math.abs(number) >= 100 ? 0 : 2 });
  if (!unit) return text;
  return unit.startsWith("/") || unit === "%" ? `${text}${unit}` : `${text} ${unit}`;
}

// Distinct in light and dark mode; the legend names each line too, so colour is not the only cue.
export const SERIES_COLORS = ["#1c7ed6", "#e8590c", "#2f9e44", "#ae3ec9", "#f08c00", "#0c8599", "#e03131", "#5c7cfa"];
