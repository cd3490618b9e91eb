// The position's candles with its DCA ladder: lightweight-charts candlesticks priced to the
// market's tick size, the lines and markers of chartModel.ts, labels arranged so none overlap.
import { CandlestickSeries, type UTCTimestamp } from "lightweight-charts";
import { useEffect, useMemo, useRef } from "react";
import { useSeriesChart, type ChartMarker } from "@/charts/useSeriesChart";
import { arrangeLabels, CHART_COLORS, type ChartCandle, type ChartLine, type PriceFormat } from "./chartModel";

// The part of the height the price scale spreads prices over (its default margins: 20 % top, 10 % bottom).
const SCALE_SHARE = 0.7;

export function PositionChart({
  candles,
  lines,
  markers,
  format,
  timeframeSeconds,
  label,
  height = 380,
}: {
  candles: ChartCandle[];
  lines: ChartLine[];
  markers: ChartMarker[]; // on candle times (placeMarkers)
  format: PriceFormat;
  timeframeSeconds: number;
  label: string;
  height?: number;
}) {
  const { container, chart, series, setMarkers, setPriceLines } = useSeriesChart({
    height,
    timeVisible: timeframeSeconds < 86400,
    addSeries: (instance, autoscaleInfoProvider) =>
      instance.addSeries(CandlestickSeries, {
        upColor: CHART_COLORS.up,
        downColor: CHART_COLORS.down,
        wickUpColor: CHART_COLORS.up,
        wickDownColor: CHART_COLORS.down,
        borderVisible: false,
        autoscaleInfoProvider,
      }),
  });
  const fitted = useRef(false);

  useEffect(() => {
    series.current?.applyOptions({ priceFormat: { type: "price", precision: format.precision, minMove: format.minMove } });
  }, [format.precision, format.minMove, height]);

  useEffect(() => {
    fitted.current = false; // a new chart or timeframe: show the whole position again
  }, [timeframeSeconds, height]);

  useEffect(() => {
    const s = series.current;
    if (!s) return;
    s.setData(candles.map((c) => ({ ...c, time: c.time as UTCTimestamp })));
    setMarkers(markers);
    if (candles.length && !fitted.current) {
      chart.current?.timeScale().fitContent();
      fitted.current = true; // later refreshes keep the reader's zoom and scroll
    }
  }, [candles, markers, height]);

  const lastClose = candles[candles.length - 1]?.close ?? null;
  const arranged = useMemo(() => {
    const prices = [...lines.map((l) => l.price), ...candles.flatMap((c) => [c.high, c.low])];
    const range = prices.length ? Math.max(...prices) - Math.min(...prices) : 0;
    return arrangeLabels(lines, range / (height * SCALE_SHARE), lastClose);
  }, [lines, candles, height, lastClose]);

  useEffect(() => setPriceLines(arranged), [arranged]);

  return (
    <div
      ref={container}
      role="figure"
      aria-label={label}
      style={{ width: "100%", height }}
      data-testid="position-chart"
      data-candles={candles.length}
      data-lines={arranged.length}
      data-labels={arranged.map((line) => line.title).filter(Boolean).join("|")}
    />
  );
}
