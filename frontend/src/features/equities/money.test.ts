import { describe, expect, it } from "vitest";
import { formatInr, formatInrSigned, multiplyDecimals, sumDecimals } from "./money";

describe("rupee amounts", () => {
  it("are written the Indian way", () => {
    expect(formatInr("1234567.5")).toBe("₹12,34,567.50");
    expect(formatInr(null)).toBe("—");
    expect(formatInrSigned("505")).toBe("+₹505.00");
    expect(formatInrSigned("-493.75")).toBe("-₹493.75");
    expect(formatInrSigned("0")).toBe("₹0.00");
  });

  it("add up and multiply exactly, to the paisa", () => {
    expect(sumDecimals(["0.1", "0.2"])).toBe("0.3");
    expect(sumDecimals(["24505.00", "37006.25", "-61511.25"])).toBe("0.00");
    expect(sumDecimals(["-12.05", "2.5"])).toBe("-9.55");
    expect(sumDecimals(["1", null])).toBeNull();
    expect(sumDecimals([])).toBeNull();
    expect(multiplyDecimals("10", "2400.05")).toBe("24000.50");
    expect(multiplyDecimals("3", "0.1")).toBe("0.3");
    expect(multiplyDecimals("-2", "0.05")).toBe("-0.10");
    expect(multiplyDecimals("abc", "1")).toBeNull();
  });
});
