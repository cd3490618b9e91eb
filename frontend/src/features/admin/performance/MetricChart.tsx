// One "lines" panel of the dashboard: a series per line (p50/p95/p99, a queue, a process kind)
// on one time axis, drawn with lightweight-charts like the app's other charts, the unit on the
// price axis. data-points (measured points over all lines) lets the browser test see it drew.
import { Group, Text } from "@mantine/core";
import { createChart, LineSeries, type IChartApi, type ISeriesApi, type LineData, type Time, type WhitespaceData } from "lightweight-charts";
import { useEffect, useRef } from "react";
import { chartTheme, useDarkScheme } from "@/charts/chartTheme";
import { chartData, formatValue, measuredPoints, SERIES_COLORS } from "./metricData";
import type { MetricSeries } from "./types";

export function MetricChart({ series, unit, label, height = 220 }: { series: MetricSeries[]; unit: string; label: string; height?: number }) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const lines = useRef<ISeriesApi<"Line">[]>([]);
  const dark = useDarkScheme();
  // A new chart only when the lines themselves change: the 30 s refresh only sets new data, so
  // the chart does not flash.
  const names = series.map((line) => line.label).join("\n");

  useEffect(() => {
    if (!container.current) return;
    const instance = createChart(container.current, {
      height,
      autoSize: true,
      ...chartTheme(dark),
      timeScale: { timeVisible: true, secondsVisible: false },
      localization: { priceFormatter: (price: number) => formatValue(price, unit) },
    });
    chart.current = instance;
    lines.current = names.split("\n").map((name, index) =>
      instance.addSeries(LineSeries, {
        color: SERIES_COLORS[index % SERIES_COLORS.length],
        lineWidth: 2,
        title: name,
        priceLineVisible: false,
        // A lone measurement between gaps is a dot, not nothing.
        pointMarkersVisible: true,
        pointMarkersRadius: 2,
      }),
    );
    return () => {
      chart.current = null;
      lines.current = [];
      instance.remove();
    };
  }, [names, unit, dark, height]);

  useEffect(() => {
    series.forEach((line, index) => lines.current[index]?.setData(chartData(line) as (LineData<Time> | WhitespaceData<Time>)[]));
    chart.current?.timeScale().fitContent();
  }, [series, names, unit, dark, height]); // a new chart needs its data again

  const points = series.reduce((sum, line) => sum + measuredPoints(line), 0);
  return (
    <>
      {/* A figure, not an img: the chart keeps lightweight-charts' attribution link, which is focusable. */}
      <div ref={container} role="figure" aria-label={label} style={{ width: "100%", height }} data-testid="metric-chart" data-points={points} data-series={series.length} />
      <Group gap="md" mt={4}>
        {series.map((line, index) => (
          <Group key={line.label} gap={4} wrap="nowrap">
            <span aria-hidden style={{ width: 12, height: 3, background: SERIES_COLORS[index % SERIES_COLORS.length], display: "inline-block" }} />
            <Text size="xs">{line.label}</Text>
          </Group>
        ))}
      </Group>
    </>
  );
}
