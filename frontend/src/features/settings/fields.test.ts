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

describe("the ML filter fields", () => {
  const ml = { ...current, ml_enabled: false, ml_model_version: null, ml_min_confidence: "0.6", ml_combine: "filter" };

  it("pins a version, or follows the active model again when emptied", () => {
    const pinned = { ...toDraft(ml), ml_enabled: true, ml_model_version: "2", ml_combine: "require_both" };
    expect(patchFrom(pinned, ml)).toEqual({ patch: { ml_enabled: true, ml_model_version: 2, ml_combine: "require_both" }, errors: {} });
    const following = { ...toDraft({ ...ml, ml_model_version: 2 }), ml_model_version: "" };
    expect(patchFrom(following, { ...ml, ml_model_version: 2 })).toEqual({ patch: { ml_model_version: null }, errors: {} });
  });
});
