// What the position chart shows, pure: the candle request for a position, the price format from
// the market's tick size, the lines (average entry, legs, the active take-profit targets, stop,
// exit) and markers (entries, fills, exits), and which lines keep a label so none overlap.
import type { PositionDetail } from "@/api/types";
import type { ChartMarker } from "@/charts/useSeriesChart";
import { toNumber } from "@/lib/format";

/** A leg as the legs table names it: "Leg 1" in the first pyramid, "P2 leg 1" in a later one. */
function legName(pyramid: number, level: number): string {
  return pyramid === 0 ? `Leg ${level}` : `P${pyramid} leg ${level}`;
}

export interface CandleRow {
  time: number; // opening time, UTC seconds
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

export interface ChartCandle {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

export type LineKind = "average" | "tp" | "stop" | "exit" | "filled" | "pending";

export interface ChartLine {
  kind: LineKind;
  price: number;
  color: string;
  title: string;
  style: "solid" | "dashed" | "dotted";
  width: 1 | 2 | 3;
  axisLabel: boolean;
}

export interface PositionChartModel {
  lines: ChartLine[];
  markers: ChartMarker[];
}

export const CHART_COLORS = {
  entry: "#228be6",
  filled: "#12b886",
  pending: "#868e96",
  tp: "#40c057",
  average: "#fab005",
  stop: "#e03131",
  exit: "#fa5252",
  up: "#2f9e44",
  down: "#e03131",
};

// The timeframes the candles API serves (brokers/candles.py), shortest first.
export const TIMEFRAMES: ReadonlyArray<readonly [string, number]> = [
  ["1m", 60],
  ["3m", 180],
  ["5m", 300],
  ["15m", 900],
  ["30m", 1800],
  ["1h", 3600],
  ["2h", 7200],
  ["4h", 14400],
  ["6h", 21600],
  ["8h", 28800],
  ["12h", 43200],
  ["1d", 86400],
  ["3d", 259200],
  ["1w", 604800],
  ["1M", 2592000],
];
const FALLBACK_TIMEFRAME = "1h";
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, M: 2592000 };
export const MAX_CANDLES = 1000;
const CONTEXT_CANDLES = 120; // at least this many candles on screen around a short position

export interface Timeframe {
  name: string;
  seconds: number;
}

/** The candle timeframe for a position's: TradingView's interval ("60", "1h", "D", "240") as the
 * largest served timeframe that fits in it; 1h when it cannot be read. */
export function chartTimeframe(raw: string | null | undefined): Timeframe {
  const match = /^([0-9]{1,5})?([SsmHhDdWwM]?)$/.exec(raw ?? "");
  const fallback = { name: FALLBACK_TIMEFRAME, seconds: 3600 };
  if (!raw || !match || (!match[1] && !match[2])) return fallback;
  const unit = match[2] === "M" ? "M" : (match[2] || "m").toLowerCase();
  const seconds = Number(match[1] ?? "1") * (UNIT_SECONDS[unit] ?? 60);
  if (!seconds) return fallback;
  let best = TIMEFRAMES[0]!;
  for (const entry of TIMEFRAMES) if (entry[1] <= seconds) best = entry;
  return { name: best[0], seconds: best[1] };
}

export const seconds = (iso: string | null | undefined): number | null => {
  if (!iso) return null;
  const ms = new Date(iso).getTime();
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
};

export interface CandleQuery {
  since?: number; // epoch ms
  limit: number;
}

/** Which candles to ask for: from a little before the group opened to its close (or on, while
 * open), with enough context around a short position; an open one too long for one answer shows
 * the latest candles. */
export function candleQuery(detail: Pick<PositionDetail, "opened_at" | "closed_at">, timeframe: Timeframe, nowMs = Date.now()): CandleQuery {
  const step = timeframe.seconds;
  const opened = seconds(detail.opened_at) ?? Math.floor(nowMs / 1000);
  const closed = seconds(detail.closed_at);
  const end = closed ?? Math.floor(nowMs / 1000);
  const span = Math.max(1, Math.ceil((end - opened) / step) + 1);
  const before = Math.max(20, Math.ceil((CONTEXT_CANDLES - span) / (closed === null ? 1 : 2)));
  const after = closed === null ? 0 : Math.max(10, Math.ceil((CONTEXT_CANDLES - span) / 2));
  const since = (Math.floor(opened / step) - before) * step;
  const count = span + before + after;
  // An open position asks for all candles from `since` on, so bars formed later still arrive.
  if (closed === null) return count <= MAX_CANDLES ? { since: since * 1000, limit: MAX_CANDLES } : { limit: MAX_CANDLES };
  return { since: since * 1000, limit: Math.min(count, MAX_CANDLES) };
}

export interface PriceFormat {
  precision: number;
  minMove: number;
}

/** The price axis format from the market's tick size ("0.0001" -> 4 decimals, moves of 0.0001);
 * without one, decimals by the price's size. */
export function priceFormat(tickSize: string | null | undefined, samplePrice: number | null = null): PriceFormat {
  const tick = toNumber(tickSize);
  if (tickSize && tick !== null && tick > 0) {
    const fraction = tickSize.includes(".") ? tickSize.split(".")[1]!.replace(/0+$/, "") : "";
    const exponent = /e-(\d+)$/i.exec(tickSize);
    const precision = exponent ? Number(exponent[1]) : fraction.length;
    return { precision, minMove: tick };
  }
  const size = Math.abs(samplePrice ?? 1);
  const precision = size >= 1000 ? 2 : size >= 1 ? 4 : 8;
  return { precision, minMove: 10 ** -precision };
}

export function toChartCandles(rows: CandleRow[]): ChartCandle[] {
  return rows.map((row) => ({ time: row.time, open: Number(row.open), high: Number(row.high), low: Number(row.low), close: Number(row.close) }));
}

/** The candles with the position's last price folded into the forming bar (or a new bar once
 * its period has started), so the chart moves between candle refetches. Bars of a day or
 * shorter start at multiples of their length (UTC); longer ones (weeks start on Monday, months
 * vary) only have their forming bar moved, and the next refetch brings the new one. */
export function withLivePrice(candles: ChartCandle[], lastPrice: number | null, step: number, nowSeconds = Math.floor(Date.now() / 1000)): ChartCandle[] {
  const last = candles[candles.length - 1];
  if (lastPrice === null || !last || nowSeconds < last.time) return candles;
  if (nowSeconds < last.time + step || step > 86400) {
    const updated = { ...last, close: lastPrice, high: Math.max(last.high, lastPrice), low: Math.min(last.low, lastPrice) };
    return [...candles.slice(0, -1), updated];
  }
  const bucket = Math.floor(nowSeconds / step) * step;
  return [...candles, { time: bucket, open: last.close, high: Math.max(last.close, lastPrice), low: Math.min(last.close, lastPrice), close: lastPrice }];
}

/** Markers moved onto the candle they fall in (the last one opening at or before them), sorted;
 * one before the first candle shown has nothing to sit on and is left out. */
export function placeMarkers(markers: ChartMarker[], candles: ChartCandle[]): ChartMarker[] {
  const times = candles.map((c) => c.time);
  const placed: ChartMarker[] = [];
  for (const marker of markers) {
    let low = 0;
    let high = times.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (times[mid]! <= marker.time) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    if (found >= 0) placed.push({ ...marker, time: times[found]! });
  }
  return placed.sort((a, b) => a.time - b.time);
}

type Leg = PositionDetail["pyramids"][number]["legs"][number];
const HELD = new Set(["filled", "partially_filled"]);
const WAITING = new Set(["pending", "submitting", "open"]);
const TP_DONE = new Set(["filled", "cancelled"]);

/** The take-profit targets that are active now: the group target in aggregate mode, each held
 * leg's own target in per-leg mode, both (as far as they exist) in hybrid. */
export function activeTargets(detail: PositionDetail): { price: number; title: string }[] {
  const target = toNumber(detail.tp_target_price);
  const legs = detail.pyramids.flatMap((p) => p.legs.map((leg) => ({ leg, pyramid: p.index })));
  const legTargets = (keep: (leg: Leg) => boolean) =>
    legs.flatMap(({ leg, pyramid }) => {
      const price = toNumber(leg.tp_price);
      return price !== null && HELD.has(leg.status) && keep(leg) ? [{ price, title: `TP ${pyramid}.${leg.level}` }] : [];
    });
  const group = target === null ? [] : [{ price: target, title: "TP" }];
  let found: { price: number; title: string }[];
  switch (detail.tp_mode) {
    case "aggregate":
      found = group;
      break;
    case "per_leg":
      found = legTargets((leg) => !TP_DONE.has(leg.tp_status));
      break;
    case "hybrid":
      found = [...group, ...legTargets((leg) => leg.tp_status === "placed")];
      break;
    default: // pyramid_aggregate: the group's target while it has one, else the placed orders
      found = group.length ? group : legTargets((leg) => leg.tp_status === "placed");
  }
  const seen = new Set<number>();
  return found.filter(({ price }) => !seen.has(price) && seen.add(price));
}

function exitPrice(detail: PositionDetail): number | null {
  const given = toNumber(detail.exit_price);
  if (given !== null) return given;
  const exits = new Set(detail.exit_orders.map((order) => order.id));
  let quantity = 0;
  let cost = 0;
  for (const fill of detail.fills) {
    const price = toNumber(fill.price);
    const qty = toNumber(fill.quantity);
    if (exits.has(fill.order) && price !== null && qty !== null) {
      quantity += qty;
      cost += price * qty;
    }
  }
  if (quantity > 0) return cost / quantity;
  const filled = detail.exit_orders.find((order) => order.status === "filled" && order.avg_fill_price);
  return toNumber(filled?.avg_fill_price);
}

/** Lines and markers (at the times things happened: see placeMarkers) for a position. */
export function positionChartModel(detail: PositionDetail): PositionChartModel {
  const lines: ChartLine[] = [];
  const markers: ChartMarker[] = [];
  const isOpen = detail.status !== "closed" && detail.status !== "failed";
  const line = (kind: LineKind, price: number, title: string, style: ChartLine["style"], color: string, width: ChartLine["width"] = 1) =>
    lines.push({ kind, price, title, style, color, width, axisLabel: KEY_KINDS.has(kind) });

  for (const pyramid of detail.pyramids) {
    const time = seconds(pyramid.created_at);
    if (time !== null && toNumber(pyramid.entry_price) !== null) {
      markers.push({ time: time, position: "belowBar", shape: "circle", color: CHART_COLORS.entry, text: pyramid.index === 0 ? "Entry" : `Pyramid ${pyramid.index}` });
    }
    if (!isOpen) continue;
    for (const leg of pyramid.legs) {
      const name = legName(pyramid.index, leg.level);
      const filledAt = toNumber(leg.filled_price);
      const price = toNumber(leg.price);
      if (HELD.has(leg.status) && (filledAt ?? price) !== null) line("filled", (filledAt ?? price)!, name, "solid", CHART_COLORS.filled);
      else if (WAITING.has(leg.status) && price !== null) line("pending", price, name, "dashed", CHART_COLORS.pending);
    }
  }

  const legById = new Map(detail.pyramids.flatMap((p) => p.legs.map((leg) => [leg.id, legName(p.index, leg.level)] as const)));
  const exitById = new Map(detail.exit_orders.map((order) => [order.id, order] as const));
  const isTakeProfit = (order: { role: string; reason: string }) => order.role === "take_profit" || order.reason === "take_profit";
  for (const fill of detail.fills) {
    const time = seconds(fill.executed_at);
    if (time === null) continue;
    const leg = legById.get(fill.order);
    const exit = exitById.get(fill.order);
    if (leg) markers.push({ time: time, position: "belowBar", shape: "arrowUp", color: CHART_COLORS.filled, text: leg });
    else if (exit) markers.push({ time: time, position: "aboveBar", shape: "arrowDown", color: isTakeProfit(exit) ? CHART_COLORS.tp : CHART_COLORS.exit, text: isTakeProfit(exit) ? "TP" : "Exit" });
  }
  // A filled exit without a fill row of its own (a market close): marked at the close time.
  const filledOrders = new Set(detail.fills.map((fill) => fill.order));
  const closedAt = seconds(detail.closed_at);
  for (const order of detail.exit_orders) {
    if (order.status !== "filled" || filledOrders.has(order.id) || closedAt === null) continue;
    markers.push({ time: closedAt, position: "aboveBar", shape: "arrowDown", color: isTakeProfit(order) ? CHART_COLORS.tp : CHART_COLORS.exit, text: isTakeProfit(order) ? "TP" : "Exit" });
  }

  if (isOpen) for (const target of activeTargets(detail)) line("tp", target.price, target.title, "dashed", CHART_COLORS.tp, 2);
  const stop = toNumber(detail.stop_price);
  if (isOpen && stop !== null) line("stop", stop, "Stop", "dashed", CHART_COLORS.stop, 2);
  const avg = toNumber(detail.avg_entry);
  if (avg !== null) line("average", avg, "Avg entry", "solid", CHART_COLORS.average, 2);
  const exit = isOpen ? null : exitPrice(detail);
  if (exit !== null) line("exit", exit, "Exit", "dotted", CHART_COLORS.exit, 2);

  markers.sort((a, b) => a.time - b.time);
  return { lines, markers };
}

// The lines that keep a price label on the right axis; leg lines only ever label themselves.
const KEY_KINDS = new Set<LineKind>(["average", "tp", "stop", "exit"]);
const PRIORITY: LineKind[] = ["tp", "average", "stop", "exit", "filled", "pending"];
export const LABEL_GAP_PX = 16;

/** Labels that never overlap: lines whose prices lie within `gapPx` pixels of each other share
 * one title (the most important line's, naming the others), and only key lines (average, TP,
 * stop, exit) keep an axis label, one per cluster and none over the last price's own label.
 * `pricePerPixel` is the visible price range divided by the chart's height. */
export function arrangeLabels(lines: ChartLine[], pricePerPixel: number, lastPrice: number | null = null, gapPx = LABEL_GAP_PX): ChartLine[] {
  const gap = Math.max(0, pricePerPixel * gapPx);
  const order = [...lines].sort((a, b) => b.price - a.price);
  const clusters: ChartLine[][] = [];
  for (const item of order) {
    const cluster = clusters[clusters.length - 1];
    if (cluster && cluster[0]!.price - item.price <= gap) cluster.push(item);
    else clusters.push([item]);
  }
  return clusters.flatMap((cluster) => {
    const ranked = [...cluster].sort((a, b) => PRIORITY.indexOf(a.kind) - PRIORITY.indexOf(b.kind));
    const leader = ranked[0]!;
    const titles = [...new Set(ranked.map((l) => l.title).filter(Boolean))];
    const title = titles.length > 3 ? `${titles.slice(0, 2).join(" · ")} +${titles.length - 2}` : titles.join(" · ");
    const nearLast = lastPrice !== null && Math.abs(leader.price - lastPrice) <= gap;
    return cluster.map((l) => (l === leader ? { ...l, title, axisLabel: KEY_KINDS.has(l.kind) && !nearLast } : { ...l, title: "", axisLabel: false }));
  });
}
