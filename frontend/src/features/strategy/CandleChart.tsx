// Daily candles with the exit EMA (EMA9) and the trend EMA (EMA200), and RSI in a pane below,
// drawn with TradingView's lightweight-charts (as the app's other charts are).
import { CandlestickSeries, createChart, LineSeries, LineStyle, type IChartApi } from "lightweight-charts";
import { useEffect, useRef } from "react";
import { chartTheme, useDarkScheme } from "@/charts/chartTheme";
import { toNumber } from "@/lib/format";
import type { ChartCandle } from "./types";

export const COLORS = { ema9: "#f08c00", ema200: "#7048e8", rsi: "#1c7ed6", up: "#2f9e44", down: "#e03131" };

function line(candles: ChartCandle[], pick: (c: ChartCandle) => string | null) {
  return candles.flatMap((c) => {
    const value = toNumber(pick(c));
    return value === null ? [] : [{ time: c.time, value }];
  });
}

export function CandleChart({ candles, symbol, oversold = 30, height = 460 }: { candles: ChartCandle[]; symbol: string; oversold?: number; height?: number }) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const dark = useDarkScheme();

  useEffect(() => {
    if (!container.current) return;
    const theme = chartTheme(dark);
    const instance = createChart(container.current, {
      height,
      autoSize: true,
      ...theme,
      layout: { ...theme.layout, panes: { separatorColor: dark ? "#373a40" : "#dee2e6" } },
    });
    chart.current = instance;
    const price = instance.addSeries(CandlestickSeries, { upColor: COLORS.up, downColor: COLORS.down, wickUpColor: COLORS.up, wickDownColor: COLORS.down, borderVisible: false });
    price.setData(
      candles.map((c) => ({ time: c.time, open: Number(c.open), high: Number(c.high), low: Number(c.low), close: Number(c.close) })),
    );
    instance.addSeries(LineSeries, { color: COLORS.ema9, lineWidth: 2, title: "EMA9", priceLineVisible: false, lastValueVisible: true }).setData(line(candles, (c) => c.ema9));
    instance.addSeries(LineSeries, { color: COLORS.ema200, lineWidth: 2, title: "EMA200", priceLineVisible: false, lastValueVisible: true }).setData(line(candles, (c) => c.ema200));
    const rsi = instance.addSeries(LineSeries, { color: COLORS.rsi, lineWidth: 1, title: "RSI", priceLineVisible: false }, 1);
    rsi.setData(line(candles, (c) => c.rsi));
    rsi.createPriceLine({ price: oversold, color: COLORS.down, lineStyle: LineStyle.Dashed, lineWidth: 1, title: String(oversold), axisLabelVisible: true });
    rsi.createPriceLine({ price: 50, color: "#868e96", lineStyle: LineStyle.Dotted, lineWidth: 1, title: "50", axisLabelVisible: false });
    instance.panes()[0]?.setStretchFactor(3);
    instance.panes()[1]?.setStretchFactor(1);
    instance.timeScale().fitContent();
    return () => {
      instance.remove();
      chart.current = null;
    };
  }, [candles, dark, height, oversold]);

  const last = candles[candles.length - 1];
  return (
    <div
      ref={container}
      // A figure, not an img: the chart library puts a link (its attribution) inside.
      role="figure"
      aria-label={`Daily candles of ${symbol} with EMA9 and EMA200, and RSI below${last ? `; last close ${last.close}, RSI ${toNumber(last.rsi)?.toFixed(1) ?? "—"}` : ""}`}
      style={{ width: "100%", height }}
      data-testid="candle-chart"
      data-candles={candles.length}
    />
  );
}
