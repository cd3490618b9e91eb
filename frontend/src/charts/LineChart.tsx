// A thin React wrapper around TradingView's lightweight-charts: one line series, optional
// markers and horizontal price lines, following the app's colour scheme.
import { useComputedColorScheme } from "@mantine/core";
import {
  ColorType,
  createChart,
  createSeriesMarkers,
  LineSeries,
  LineStyle,
  type AutoscaleInfo,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect, useRef } from "react";

export interface ChartPoint {
  time: number; // UTC seconds
  value: number;
}

export interface ChartMarker {
  time: number;
  position: "aboveBar" | "belowBar" | "inBar";
  shape: "arrowUp" | "arrowDown" | "circle" | "square";
  color: string;
  text: string;
}

export interface ChartPriceLine {
  price: number;
  color: string;
  title: string;
  style: "solid" | "dashed" | "dotted";
  width?: 1 | 2 | 3;
}

const STYLES = { solid: LineStyle.Solid, dashed: LineStyle.Dashed, dotted: LineStyle.Dotted } as const;

export function LineChart({
  points,
  markers = [],
  priceLines = [],
  height = 320,
  color = "#228be6",
  label,
}: {
  points: ChartPoint[];
  markers?: ChartMarker[];
  priceLines?: ChartPriceLine[];
  height?: number;
  color?: string;
  label: string;
}) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const series = useRef<ISeriesApi<"Line"> | null>(null);
  const markerApi = useRef<ISeriesMarkersPluginApi<Time> | null>(null);
  const lines = useRef<IPriceLine[]>([]);
  const linePrices = useRef<number[]>([]);
  const dark = useComputedColorScheme("light") === "dark";

  useEffect(() => {
    if (!container.current) return;
    const instance = createChart(container.current, { height, autoSize: true });
    chart.current = instance;
    series.current = instance.addSeries(LineSeries, {
      color,
      lineWidth: 2,
      // Keep the horizontal lines (pending legs, targets) in view, not only the price line.
      autoscaleInfoProvider: (original: () => AutoscaleInfo | null) => {
        const base = original();
        const prices = linePrices.current;
        if (!prices.length) return base;
        const low = Math.min(...prices, base?.priceRange?.minValue ?? Infinity);
        const high = Math.max(...prices, base?.priceRange?.maxValue ?? -Infinity);
        return { priceRange: { minValue: low, maxValue: high }, margins: base?.margins };
      },
    });
    markerApi.current = createSeriesMarkers(series.current, []);
    return () => {
      instance.remove();
      chart.current = null;
      series.current = null;
      markerApi.current = null;
      lines.current = [];
    };
  }, [height, color]);

  useEffect(() => {
    chart.current?.applyOptions({
      layout: { background: { type: ColorType.Solid, color: "transparent" }, textColor: dark ? "#c9c9c9" : "#333" },
      grid: { vertLines: { color: dark ? "#2c2e33" : "#eee" }, horzLines: { color: dark ? "#2c2e33" : "#eee" } },
      timeScale: { timeVisible: true, secondsVisible: false },
    });
  }, [dark]);

  useEffect(() => {
    const s = series.current;
    if (!s) return;
    s.setData(points.map((p) => ({ time: p.time as UTCTimestamp, value: p.value })));
    markerApi.current?.setMarkers(
      markers.map((m) => ({ ...m, time: m.time as UTCTimestamp })) as SeriesMarker<Time>[],
    );
    lines.current.forEach((line) => s.removePriceLine(line));
    linePrices.current = priceLines.map((line) => line.price);
    lines.current = priceLines.map((line) =>
      s.createPriceLine({
        price: line.price,
        color: line.color,
        title: line.title,
        lineStyle: STYLES[line.style],
        lineWidth: line.width ?? 1,
        axisLabelVisible: true,
      }),
    );
    chart.current?.timeScale().fitContent();
  }, [points, markers, priceLines]);

  return <div ref={container} role="img" aria-label={label} style={{ width: "100%", height }} data-testid="chart" data-points={points.length} data-lines={priceLines.length} />;
}
