import { describe, expect, it } from "vitest";
import { detail } from "@/test/fixtures";
import { CHART_COLORS, normalisePoints, positionChartModel } from "./chartModel";

const t = (iso: string) => Math.floor(Date.parse(iso) / 1000);

describe("the position chart's data", () => {
  it("draws the entry, filled legs as markers, pending legs, the TP target and the average entry", () => {
    const model = positionChartModel(detail({ last_price: null }));
    expect(model.points).toEqual([
      { time: t("2026-03-01T10:00:00Z"), value: 100 },
      { time: t("2026-03-01T10:00:05Z"), value: 100 },
    ]);
    expect(model.markers.map((m) => m.text)).toEqual(["Entry", "DCA 0.0 filled"]);
    const lines = model.priceLines.map((l) => [l.title, l.price, l.style]);
    expect(lines).toEqual([
      ["DCA 0.1 pending", 99, "dashed"],
      ["DCA 0.2 pending", 98, "dashed"],
      ["TP target", 101, "dashed"],
      ["Average entry", 100, "solid"],
    ]);
    expect(model.priceLines.find((l) => l.title === "Average entry")?.color).toBe(CHART_COLORS.average);
  });

  it("adds live price samples and the last price, times ascending and unique", () => {
    const base = t("2026-03-01T10:00:00Z");
    const model = positionChartModel(detail(), [
      { time: base + 60, price: 99.5 },
      { time: base + 30, price: 99.8 },
      { time: base + 60, price: 99.4 },
    ]);
    const times = model.points.map((p) => p.time);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(new Set(times).size).toBe(times.length);
    expect(model.points.find((p) => p.time === base + 60)?.value).toBe(99.4);
    expect(model.points.at(-1)?.value).toBe(100); // last_price, now
  });

  it("a closed position shows its take-profit exit and no more pending lines", () => {
    const model = positionChartModel(
      detail({
        status: "closed",
        exit_orders: [{ id: "x1", role: "take_profit", side: "sell", type: "limit", price: "101", quantity: "1", status: "filled", filled_quantity: "1", avg_fill_price: "101", reason: "", leg: "o1" }],
        fills: [
          { id: "f1", order: "o1", price: "100", quantity: "1", fee: "0", fee_asset: "USDT", fee_quote: "0", executed_at: "2026-03-01T10:00:05Z" },
          { id: "f2", order: "x1", price: "101", quantity: "1", fee: "0", fee_asset: "USDT", fee_quote: "0", executed_at: "2026-03-01T11:00:00Z" },
        ],
      }),
    );
    expect(model.priceLines).toEqual([]);
    expect(model.markers.at(-1)).toMatchObject({ text: "Take-profit", shape: "arrowDown", color: CHART_COLORS.tp });
    expect(model.points.at(-1)).toEqual({ time: t("2026-03-01T11:00:00Z"), value: 101 });
  });

  it("a market close without a fill row is drawn at its average price at the close time", () => {
    const model = positionChartModel(
      detail({
        status: "closed",
        closed_at: "2026-03-01T12:00:00Z",
        exit_orders: [{ id: "c1", role: "close", side: "sell", type: "market", price: null, quantity: "1", status: "filled", filled_quantity: "1", avg_fill_price: "103", reason: "take_profit", leg: null }],
      }),
    );
    expect(model.points.at(-1)).toEqual({ time: t("2026-03-01T12:00:00Z"), value: 103 });
    expect(model.markers.at(-1)?.text).toBe("Take-profit");
  });

  it("normalises unsorted points with duplicate seconds", () => {
    expect(normalisePoints([{ time: 3, value: 1 }, { time: 1, value: 2 }, { time: 3, value: 5 }])).toEqual([
      { time: 1, value: 2 },
      { time: 3, value: 5 },
    ]);
  });
});
