// One lightweight-charts chart with a main series, markers on it and horizontal price lines
// that stay in view, in the app's colour scheme: what LineChart and the position's candle chart
// share. The caller adds the series and feeds it data; this owns the chart's life.
import {
  createChart,
  createSeriesMarkers,
  LineStyle,
  type AutoscaleInfo,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type SeriesType,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect, useRef, type DependencyList } from "react";
import { chartTheme, useDarkScheme } from "./chartTheme";

export interface ChartMarker {
  time: number; // UTC seconds
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
  width?: 1 | 2 | 3; // 1 unless given
  axisLabel?: boolean; // the price on the axis; shown unless false
}

const STYLES = { solid: LineStyle.Solid, dashed: LineStyle.Dashed, dotted: LineStyle.Dotted } as const;

type AutoscaleProvider = (original: () => AutoscaleInfo | null) => AutoscaleInfo | null;

export function useSeriesChart<T extends SeriesType>({
  height,
  timeVisible,
  addSeries,
  rebuildOn = [],
}: {
  height: number;
  timeVisible: boolean; // hours and minutes on the time axis
  /** Adds the main series; pass it `autoscaleInfoProvider` so the price lines stay in view. */
  addSeries: (chart: IChartApi, autoscaleInfoProvider: AutoscaleProvider) => ISeriesApi<T>;
  rebuildOn?: DependencyList; // what, besides the height, needs a new chart
}) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const series = useRef<ISeriesApi<T> | null>(null);
  const markerApi = useRef<ISeriesMarkersPluginApi<Time> | null>(null);
  const drawn = useRef<IPriceLine[]>([]);
  const linePrices = useRef<number[]>([]);
  const dark = useDarkScheme();

  useEffect(() => {
    if (!container.current) return;
    const instance = createChart(container.current, { height, autoSize: true });
    chart.current = instance;
    // Keep the horizontal lines (pending legs, targets, stop) in view, not only the series.
    series.current = addSeries(instance, (original) => {
      const base = original();
      const prices = linePrices.current;
      if (!prices.length) return base;
      const low = Math.min(...prices, base?.priceRange?.minValue ?? Infinity);
      const high = Math.max(...prices, base?.priceRange?.maxValue ?? -Infinity);
      return { priceRange: { minValue: low, maxValue: high }, margins: base?.margins };
    });
    markerApi.current = createSeriesMarkers(series.current, []);
    return () => {
      instance.remove();
      chart.current = null;
      series.current = null;
      markerApi.current = null;
      drawn.current = [];
    };
  }, [height, ...rebuildOn]); // addSeries is read once per chart: rebuildOn lists what needs a new one

  useEffect(() => {
    chart.current?.applyOptions({ ...chartTheme(dark), timeScale: { timeVisible, secondsVisible: false } });
  }, [dark, timeVisible, height, ...rebuildOn]); // a new chart instance needs its options again

  function setMarkers(markers: ChartMarker[]) {
    markerApi.current?.setMarkers(markers.map((m) => ({ ...m, time: m.time as UTCTimestamp })) as SeriesMarker<Time>[]);
  }

  function setPriceLines(lines: ChartPriceLine[]) {
    const s = series.current;
    if (!s) return;
    drawn.current.forEach((line) => s.removePriceLine(line));
    linePrices.current = lines.map((line) => line.price);
    drawn.current = lines.map((line) =>
      s.createPriceLine({
        price: line.price,
        color: line.color,
        title: line.title,
        lineStyle: STYLES[line.style],
        lineWidth: line.width ?? 1,
        axisLabelVisible: line.axisLabel ?? true,
      }),
    );
  }

  return { container, chart, series, setMarkers, setPriceLines };
}
