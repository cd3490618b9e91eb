// Several equity curves on one time axis, drawn with lightweight-charts like the app's other
// charts (charts/LineChart.tsx draws one series with markers; this needs a series per run).
import { createChart, LineSeries, type Time } from "lightweight-charts";
import { useEffect, useRef } from "react";
import { chartTheme, useDarkScheme } from "@/charts/chartTheme";
import type { EquityPoint } from "./types";

export interface Curve {
  label: string;
  color: string;
  points: EquityPoint[];
}

/** lightweight-charts wants strictly ascending days: sorted, the last value of a day kept. */
export function chartData(points: EquityPoint[]): { time: Time; value: number }[] {
  const byDay = new Map<string, number>();
  for (const point of points) if (Number.isFinite(point.equity)) byDay.set(point.day.slice(0, 10), point.equity);
  return Array.from(byDay.entries())
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([day, value]) => ({ time: day as Time, value }));
}

export function EquityCurvesChart({ curves, label, height = 300 }: { curves: Curve[]; label: string; height?: number }) {
  const container = useRef<HTMLDivElement>(null);
  const dark = useDarkScheme();

  useEffect(() => {
    if (!container.current) return;
    const chart = createChart(container.current, { height, autoSize: true, ...chartTheme(dark) });
    for (const curve of curves) {
      chart
        .addSeries(LineSeries, { color: curve.color, lineWidth: 2, title: curve.label, priceLineVisible: false, lastValueVisible: true })
        .setData(chartData(curve.points));
    }
    chart.timeScale().fitContent();
    return () => chart.remove();
  }, [curves, dark, height]);

  // A figure, not an img: the chart keeps lightweight-charts' attribution link, which is focusable.
  return <div ref={container} role="figure" aria-label={label} style={{ width: "100%", height }} data-testid="equity-chart" data-curves={curves.length} />;
}
