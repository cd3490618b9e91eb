// What the position chart shows, computed from the position detail and the prices seen live:
// a price line through every known price, markers for filled legs, dashed lines for pending legs
// and take-profit targets, and the average entry.
import type { PositionDetail } from "@/api/types";
import type { ChartMarker, ChartPoint, ChartPriceLine } from "@/charts/LineChart";
import { toNumber } from "@/lib/format";

export interface PriceSample {
  time: number; // UTC seconds
  price: number;
}

export interface PositionChartModel {
  points: ChartPoint[];
  markers: ChartMarker[];
  priceLines: ChartPriceLine[];
}

export const CHART_COLORS = {
  entry: "#228be6",
  filled: "#12b886",
  pending: "#868e96",
  tp: "#40c057",
  average: "#fab005",
  exit: "#fa5252",
};

const seconds = (iso: string | null | undefined): number | null => {
  if (!iso) return null;
  const ms = new Date(iso).getTime();
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
};

/** lightweight-charts needs strictly ascending times: sort, and keep the last value per second. */
export function normalisePoints(points: ChartPoint[]): ChartPoint[] {
  const bySecond = new Map<number, number>();
  for (const point of [...points].sort((a, b) => a.time - b.time)) bySecond.set(point.time, point.value);
  return [...bySecond.entries()].map(([time, value]) => ({ time, value }));
}

export function positionChartModel(detail: PositionDetail, samples: PriceSample[] = []): PositionChartModel {
  const raw: ChartPoint[] = [];
  const markers: ChartMarker[] = [];
  const priceLines: ChartPriceLine[] = [];
  const isOpen = detail.status !== "closed" && detail.status !== "failed";

  for (const pyramid of detail.pyramids) {
    const time = seconds(pyramid.created_at);
    const entry = toNumber(pyramid.entry_price);
    if (time !== null && entry !== null) {
      raw.push({ time, value: entry });
      markers.push({ time, position: "belowBar", shape: "circle", color: CHART_COLORS.entry, text: pyramid.index === 0 ? "Entry" : `Pyramid ${pyramid.index}` });
    }
    for (const leg of pyramid.legs) {
      const legPrice = toNumber(leg.price);
      if (leg.status === "filled" || leg.status === "partially_filled") continue; // drawn from fills
      if (isOpen && legPrice !== null && (leg.status === "open" || leg.status === "pending" || leg.status === "submitting")) {
        priceLines.push({ price: legPrice, color: CHART_COLORS.pending, title: `DCA ${pyramid.index}.${leg.level} pending`, style: "dashed" });
      }
    }
  }

  const legById = new Map(detail.pyramids.flatMap((p) => p.legs.map((leg) => [leg.id, { leg, pyramid: p.index }] as const)));
  const exitById = new Map(detail.exit_orders.map((order) => [order.id, order] as const));
  for (const fill of detail.fills) {
    const time = seconds(fill.executed_at);
    const price = toNumber(fill.price);
    if (time === null || price === null) continue;
    raw.push({ time, value: price });
    const leg = legById.get(fill.order);
    const exit = exitById.get(fill.order);
    if (leg) {
      markers.push({ time, position: "belowBar", shape: "arrowUp", color: CHART_COLORS.filled, text: `DCA ${leg.pyramid}.${leg.leg.level} filled` });
    } else if (exit) {
      markers.push({ time, position: "aboveBar", shape: "arrowDown", color: exit.role === "take_profit" ? CHART_COLORS.tp : CHART_COLORS.exit, text: exit.role === "take_profit" ? "Take-profit" : "Close" });
    }
  }

  // A filled exit without a fill row of its own (a market close): drawn at its average price,
  // at the close time.
  const filledOrders = new Set(detail.fills.map((fill) => fill.order));
  for (const order of detail.exit_orders) {
    const price = toNumber(order.avg_fill_price);
    const time = seconds(detail.closed_at);
    if (order.status !== "filled" || filledOrders.has(order.id) || price === null || time === null) continue;
    raw.push({ time, value: price });
    markers.push({ time, position: "aboveBar", shape: "arrowDown", color: order.role === "take_profit" || order.reason === "take_profit" ? CHART_COLORS.tp : CHART_COLORS.exit, text: order.reason === "take_profit" || order.role === "take_profit" ? "Take-profit" : "Close" });
  }

  for (const sample of samples) raw.push({ time: sample.time, value: sample.price });
  const now = Math.floor(Date.now() / 1000);
  const last = toNumber(detail.last_price);
  if (isOpen && last !== null) raw.push({ time: now, value: last });

  if (isOpen) {
    const tps = new Set<number>();
    const target = toNumber(detail.tp_target_price);
    if (target !== null) tps.add(target);
    for (const pyramid of detail.pyramids) {
      for (const leg of pyramid.legs) {
        const tp = toNumber(leg.tp_price);
        if (tp !== null && leg.status === "filled" && leg.tp_status !== "filled" && leg.tp_status !== "cancelled") tps.add(tp);
      }
    }
    [...tps].sort((a, b) => a - b).forEach((price, index) => priceLines.push({ price, color: CHART_COLORS.tp, title: tps.size > 1 ? `TP ${index + 1}` : "TP target", style: "dashed" }));
    const avg = toNumber(detail.avg_entry);
    if (avg !== null) priceLines.push({ price: avg, color: CHART_COLORS.average, title: "Average entry", style: "solid", width: 2 });
  }

  markers.sort((a, b) => a.time - b.time);
  return { points: normalisePoints(raw), markers, priceLines };
}
