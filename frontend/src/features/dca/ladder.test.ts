import { describe, expect, it } from "vitest";
import { decimalsOf, formatTo, ladderLines, ladderRows } from "./ladder";
import { threeCommasExample } from "./testPreview";

describe("the per-leg table", () => {
  it("shows 3Commas' example: targets 10100, 9999 and 9898 after each equal leg", () => {
    const rows = ladderRows(threeCommasExample());
    expect(rows.map((r) => r.averagePrice)).toEqual(["10,000.00", "9,900.00", "9,800.00"]);
    expect(rows.map((r) => r.averageTp)).toEqual(["10,100.00", "9,999.00", "9,898.00"]);
    expect(rows.map((r) => r.rebound)).toEqual(["1.00 %", "2.03 %", "3.10 %"]);
    expect(rows.map((r) => r.deviation)).toEqual(["0.00 %", "-2.00 %", "-4.00 %"]);
    expect(rows.map((r) => r.cumulativeQuantity)).toEqual(["1.000", "2.000", "3.000"]);
    expect(rows.map((r) => r.cumulativeSize)).toEqual(["10,000.00", "19,800.00", "29,400.00"]);
  });

  it("formats every number to the market's tick and step", () => {
    expect([decimalsOf("0.01"), decimalsOf("0.00001"), decimalsOf("1"), decimalsOf("0.50"), decimalsOf("10")]).toEqual([2, 5, 0, 1, 0]);
    expect(formatTo("110.0000000000", 0)).toBe("110");
    const cheap = threeCommasExample({ tick_size: "0.0001", step_size: "1" });
    const row = ladderRows(cheap)[1];
    expect(row?.price).toBe("9,800.0000");
    expect(row?.quantity).toBe("1");
    expect(row?.orderSize).toBe("9,800.0000"); // quote amounts keep the tick's places for cheap coins
  });

  it("draws the entry, each safety leg and the target after each leg", () => {
    const lines = ladderLines(threeCommasExample());
    expect(lines.map((l) => [l.kind, l.price])).toEqual([
      ["entry", 10000],
      ["target", 10100],
      ["leg", 9800],
      ["target", 9999],
      ["leg", 9600],
      ["target", 9898],
    ]);
    expect(lines[3]?.label).toBe("TP after leg 1 9,999.00");
  });
});
