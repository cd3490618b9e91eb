import { describe, expect, it } from "vitest";
import { chartData, formatValue, hasData, measuredPoints, titleWithUnit } from "./metricData";
import { reportFixture } from "./testFixtures";

describe("the dashboard's data for charts and tables", () => {
  it("gives lightweight-charts ascending UTC seconds, a gap where nothing was measured, one value per time", () => {
    const series = {
      label: "p95",
      points: [
        ["2026-12-06T11:02:00Z", 30],
        ["2026-12-06T11:01:00Z", null],
        ["2026-12-06T11:02:00Z", 31],
      ] as [string, number | null][],
    };
    expect(chartData(series)).toEqual([{ time: 1796554860 }, { time: 1796554920, value: 31 }]);
    expect(measuredPoints(series)).toBe(2);
  });

  it("calls a panel empty when no line has a value or the table has no row", () => {
    expect(reportFixture().panels.map(hasData)).toEqual([true, false, true, false]);
  });

  it("writes values and titles with their units", () => {
    expect(titleWithUnit("API latency", "ms")).toBe("API latency (ms)");
    expect(titleWithUnit("Orders", "")).toBe("Orders");
    expect(formatValue(12.345, "ms")).toBe("12.35 ms");
    expect(formatValue("812", "tasks")).toBe("812 tasks");
    expect(formatValue(1234.5, "ms")).toBe("1,235 ms");
    expect(formatValue(3, "/min")).toBe("3/min");
    expect(formatValue("2.5", "%")).toBe("2.5%");
    expect(formatValue(null, "ms")).toBe("—");
    expect(formatValue("GET /api/v1/positions")).toBe("GET /api/v1/positions");
  });
});
