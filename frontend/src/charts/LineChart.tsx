// A thin React wrapper around TradingView's lightweight-charts: one line series, optional
// markers and horizontal price lines, following the app's colour scheme.
import { LineSeries, type UTCTimestamp } from "lightweight-charts";
import { useEffect } from "react";
import { useSeriesChart, type ChartMarker, type ChartPriceLine } from "./useSeriesChart";

export type { ChartMarker, ChartPriceLine } from "./useSeriesChart";

export interface ChartPoint {
  time: number; // UTC seconds
  value: number;
}

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
  const { container, chart, series, setMarkers, setPriceLines } = useSeriesChart({
    height,
    timeVisible: true,
    addSeries: (instance, autoscaleInfoProvider) => instance.addSeries(LineSeries, { color, lineWidth: 2, autoscaleInfoProvider }),
    rebuildOn: [color],
  });

  useEffect(() => {
    const s = series.current;
    if (!s) return;
    s.setData(points.map((p) => ({ time: p.time as UTCTimestamp, value: p.value })));
    setMarkers(markers);
    setPriceLines(priceLines);
    chart.current?.timeScale().fitContent();
  }, [points, markers, priceLines]);

  return <div ref={container} role="figure" aria-label={label} style={{ width: "100%", height }} data-testid="chart" data-points={points.length} data-lines={priceLines.length} />;
}
