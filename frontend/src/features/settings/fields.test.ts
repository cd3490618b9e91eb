import { describe, expect, it } from "vitest";
import type { TradingConfigValues } from "@/api/types";
import { patchFrom, toDraft } from "./fields";

const current = {
  user_capital: "10000",
  max_open_groups: 10,
  risk_engine_enabled: true,
  stop_loss_percent: "5",
  queue_rules: [{ rule: "fifo", enabled: true }],
} as TradingConfigValues;

describe("the trading config form", () => {
  it("sends only what changed, in the API's types", () => {
    const draft = { ...toDraft(current), max_open_groups: "3", risk_engine_enabled: false, stop_loss_percent: "" };
    expect(patchFrom(draft, current)).toEqual({ patch: { max_open_groups: 3, risk_engine_enabled: false, stop_loss_percent: null }, errors: {} });
  });

  it("catches a whole number or JSON typed wrong before sending", () => {
    const draft = { ...toDraft(current), max_open_groups: "2.5", queue_rules: "[{" };
    const { patch, errors } = patchFrom(draft, current);
    expect(patch).toEqual({});
    expect(Object.keys(errors).sort()).toEqual(["max_open_groups", "queue_rules"]);
  });
});
