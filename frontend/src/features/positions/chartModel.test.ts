import { describe, expect, it } from "vitest";
import { detail } from "@/test/fixtures";
import {
  activeTargets,
  arrangeLabels,
  candleQuery,
  CHART_COLORS,
  type ChartLine,
  chartTimeframe,
  placeMarkers,
  positionChartModel,
  priceFormat,
  withLivePrice,
} from "./chartModel";

const t = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const lines = (model: { lines: ChartLine[] }) => model.lines.map((l) => [l.kind, l.title, l.price]);

// Three legs all filled at 100, 99 and 98, each with its own (per-leg) target 1 % up.
const ladder = (overrides: Parameters<typeof detail>[0] = {}) => {
  const base = detail();
  const legs = base.pyramids[0]!.legs.map((leg) => ({ ...leg, status: "filled" as const, filled_price: leg.price, filled_quantity: "1", tp_status: "placed" as const }));
  return detail({ status: "active", avg_entry: "99", tp_target_price: "100", pyramids: [{ ...base.pyramids[0]!, legs }], ...overrides });
};

describe("the position chart's lines", () => {
  it("per-leg mode: the filled leg, the pending legs, the filled leg's own target and the average entry", () => {
    const model = positionChartModel(detail({ tp_mode: "per_leg" }));
    expect(lines(model)).toEqual([
      ["filled", "Leg 0", 100],
      ["pending", "Leg 1", 99],
      ["pending", "Leg 2", 98],
      ["tp", "TP 0.0", 101],
      ["average", "Avg entry", 100],
    ]);
    expect(model.lines.find((l) => l.kind === "pending")?.style).toBe("dashed");
    expect(model.lines.find((l) => l.kind === "average")?.color).toBe(CHART_COLORS.average);
    expect(model.markers).toMatchObject([
      { text: "Entry", time: t("2026-03-01T10:00:00Z") },
      { text: "Leg 0", time: t("2026-03-01T10:00:05Z"), shape: "arrowUp" },
    ]);
  });

  it("aggregate mode draws the one group target, not a line per leg", () => {
    const model = positionChartModel(ladder({ tp_mode: "aggregate" }));
    expect(model.lines.filter((l) => l.kind === "tp").map((l) => [l.title, l.price])).toEqual([["TP", 100]]);
  });

  it("per-leg mode draws each held leg's open target; hybrid draws the group's and the placed ones", () => {
    expect(activeTargets(ladder({ tp_mode: "per_leg" })).map((x) => x.title)).toEqual(["TP 0.0", "TP 0.1", "TP 0.2"]);
    const hybrid = ladder({ tp_mode: "hybrid" });
    hybrid.pyramids[0]!.legs[2] = { ...hybrid.pyramids[0]!.legs[2]!, tp_status: "filled" };
    expect(activeTargets(hybrid).map((x) => x.title)).toEqual(["TP", "TP 0.0", "TP 0.1"]);
  });

  it("a stop is drawn when the position has one", () => {
    const model = positionChartModel({ ...detail({ tp_mode: "aggregate" }), stop_price: "95" });
    expect(model.lines.find((l) => l.kind === "stop")).toMatchObject({ price: 95, title: "Stop", axisLabel: true });
  });

  it("a closed position shows its average entry, its exit price and exit marker, no pending legs or targets", () => {
    const model = positionChartModel(
      detail({
        status: "closed",
        closed_at: "2026-03-01T11:30:00Z",
        exit_orders: [{ id: "x1", role: "take_profit", side: "sell", type: "limit", price: "101", quantity: "1", status: "filled", filled_quantity: "1", avg_fill_price: "101", reason: "", leg: "o1" }],
        fills: [
          { id: "f1", order: "o1", price: "100", quantity: "1", fee: "0", fee_asset: "USDT", fee_quote: "0", executed_at: "2026-03-01T10:00:05Z" },
          { id: "f2", order: "x1", price: "101", quantity: "1", fee: "0", fee_asset: "USDT", fee_quote: "0", executed_at: "2026-03-01T11:20:00Z" },
        ],
      }),
    );
    expect(lines(model)).toEqual([
      ["average", "Avg entry", 100],
      ["exit", "Exit", 101],
    ]);
    expect(model.markers.at(-1)).toMatchObject({ text: "TP", shape: "arrowDown", color: CHART_COLORS.tp, time: t("2026-03-01T11:20:00Z") });
  });
});

describe("the price format", () => {
  it("has as many decimals as the market's tick size, and moves by the tick", () => {
    expect(priceFormat("0.0001")).toEqual({ precision: 4, minMove: 0.0001 }); // XRP: 0.5412, not 0.54
    expect(priceFormat("0.01000000")).toEqual({ precision: 2, minMove: 0.01 });
    expect(priceFormat("1")).toEqual({ precision: 0, minMove: 1 });
    expect(priceFormat("1e-8")).toEqual({ precision: 8, minMove: 1e-8 });
  });

  it("without a tick size, follows the price's size", () => {
    expect(priceFormat(null, 0.5412).precision).toBe(8);
    expect(priceFormat(undefined, 64000).precision).toBe(2);
  });
});

describe("the candles asked for", () => {
  it("reads the position's timeframe as the largest served one that fits", () => {
    const names = ["60", "1h", "15", "240", "D", "1D", "W", "45", "30S", "", "junk"].map((raw) => chartTimeframe(raw).name);
    expect(names).toEqual(["1h", "1h", "15m", "4h", "1d", "1d", "1w", "30m", "1m", "1h", "1h"]);
  });

  it("an open position: from a little before it opened, every candle since", () => {
    const now = Date.parse("2026-03-01T12:00:00Z");
    const query = candleQuery({ opened_at: "2026-03-01T10:10:00Z", closed_at: null }, chartTimeframe("1h"), now);
    expect(query.limit).toBe(1000);
    expect(query.since! / 1000).toBeLessThan(t("2026-03-01T10:00:00Z"));
    expect((t("2026-03-01T10:00:00Z") - query.since! / 1000) / 3600).toBeGreaterThanOrEqual(20);
  });

  it("an open position too old for one answer shows the latest candles; a closed one its span", () => {
    const now = Date.parse("2026-03-10T00:00:00Z");
    expect(candleQuery({ opened_at: "2026-03-01T00:00:00Z", closed_at: null }, chartTimeframe("1"), now)).toEqual({ limit: 1000 });
    const closed = candleQuery({ opened_at: "2026-03-01T00:00:00Z", closed_at: "2026-03-01T05:00:00Z" }, chartTimeframe("1h"), now);
    expect(closed.since! / 1000).toBeLessThan(t("2026-03-01T00:00:00Z"));
    expect((closed.since! / 1000 + closed.limit * 3600) > t("2026-03-01T05:00:00Z")).toBe(true);
    expect(closed.limit).toBeLessThan(200);
  });
});

describe("the live last candle", () => {
  const candles = [
    { time: 0, open: 1, high: 2, low: 0.5, close: 1.5 },
    { time: 60, open: 1.5, high: 1.6, low: 1.4, close: 1.5 },
  ];

  it("moves the forming candle to the last price", () => {
    expect(withLivePrice(candles, 1.8, 60, 90).at(-1)).toEqual({ time: 60, open: 1.5, high: 1.8, low: 1.4, close: 1.8 });
    expect(withLivePrice(candles, 1.3, 60, 90).at(-1)).toEqual({ time: 60, open: 1.5, high: 1.6, low: 1.3, close: 1.3 });
  });

  it("opens the next candle when its period has begun, and changes nothing without a price", () => {
    const next = withLivePrice(candles, 1.7, 60, 125);
    expect(next).toHaveLength(3);
    expect(next.at(-1)).toEqual({ time: 120, open: 1.5, high: 1.7, low: 1.5, close: 1.7 });
    expect(withLivePrice(candles, null, 60, 125)).toBe(candles);
  });

  it("weekly and longer candles only move the forming one (their next start is the exchange's to say)", () => {
    const week = 604800;
    expect(withLivePrice([{ time: 0, open: 1, high: 1, low: 1, close: 1 }], 2, week, week + 5)).toEqual([{ time: 0, open: 1, high: 2, low: 1, close: 2 }]);
  });
});

describe("the markers", () => {
  it("sit on the candle they fall in, and are left out before the first candle", () => {
    const candles = [0, 3600, 7200].map((time) => ({ time, open: 1, high: 1, low: 1, close: 1 }));
    const marker = (time: number, text: string) => ({ time, text, position: "belowBar" as const, shape: "circle" as const, color: "#000" });
    const placed = placeMarkers([marker(9000, "late"), marker(-5, "before"), marker(3700, "fill"), marker(3600, "entry")], candles);
    expect(placed.map((m) => [m.text, m.time])).toEqual([
      ["fill", 3600],
      ["entry", 3600],
      ["late", 7200],
    ]);
  });
});

describe("labels that never overlap", () => {
  const line = (kind: ChartLine["kind"], price: number, title: string): ChartLine => ({ kind, price, title, color: "#000", style: "solid", width: 1, axisLabel: ["average", "tp", "stop", "exit"].includes(kind) });

  it("lines a few pixels apart share one title, led by the most important, with one axis label", () => {
    // 0.01 a pixel: 100 and 100.1 are 10 px apart (merged), 99 is 100 px away (its own).
    const arranged = arrangeLabels([line("filled", 100, "DCA 0.0"), line("average", 100.1, "Avg entry"), line("pending", 99, "DCA 0.1")], 0.01);
    expect(arranged.map((l) => [l.price, l.title, l.axisLabel])).toEqual([
      [100.1, "Avg entry · DCA 0.0", true],
      [100, "", false],
      [99, "DCA 0.1", false],
    ]);
  });

  it("leg lines never take an axis label; a key line beside the last price leaves the axis to it", () => {
    const arranged = arrangeLabels([line("tp", 110, "TP"), line("average", 100, "Avg entry"), line("pending", 90, "DCA 0.1")], 0.01, 100.05);
    expect(arranged.map((l) => [l.title, l.axisLabel])).toEqual([
      ["TP", true],
      ["Avg entry", false],
      ["DCA 0.1", false],
    ]);
  });

  it("a crowd of lines names two and counts the rest", () => {
    const crowd = [1, 2, 3, 4].map((i) => line("pending", 100 - i * 0.01, `DCA 0.${i}`));
    expect(arrangeLabels(crowd, 0.01)[0]!.title).toBe("DCA 0.1 · DCA 0.2 +2");
  });
});
