import { describe, expect, it } from "vitest";
import { chartData } from "./EquityCurvesChart";

describe("an equity curve for the chart", () => {
  it("is sorted by day with one value a day, the day's last", () => {
    expect(
      chartData([
        { day: "2010-01-05", equity: 101 },
        { day: "2010-01-04", equity: 100 },
        { day: "2010-01-05", equity: 102 },
        { day: "2010-01-06", equity: Number.NaN },
      ]),
    ).toEqual([
      { time: "2010-01-04", value: 100 },
      { time: "2010-01-05", value: 102 },
    ]);
  });
});
