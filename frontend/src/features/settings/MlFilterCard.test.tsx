import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeAuth } from "@/auth/tokens";
import { activeFixture } from "@/features/ml/testFixtures";
import { serve } from "@/features/ml/testServer";
import { jsonResponse, renderPage, USER } from "@/test/render";
import TradingConfigPage from "./TradingConfigPage";

const VALUES = { user_capital: "10000", max_open_groups: 10, ml_enabled: false, ml_model_version: null, ml_min_confidence: "0.6", ml_combine: "filter" };
const CONFIG = { config: VALUES, defaults: VALUES, differs_from_default: [], preset: null, updated_at: "2026-12-06T10:00:00Z" };

beforeEach(() => writeAuth({ access: "a", refresh: "r", user: USER }));
afterEach(() => vi.unstubAllGlobals());

function answers(active: unknown) {
  return {
    "GET trading-config": () => jsonResponse(CONFIG),
    "GET trading-config/presets": () => jsonResponse({ presets: [], kept_when_applied: [] }),
    "GET ml/active": () => jsonResponse(active),
    "PATCH trading-config": (body: unknown) => jsonResponse({ ...CONFIG, config: { ...VALUES, ...(body as object) } }),
  };
}

describe("the ML filter of the trading config", () => {
  it("shows the active model's figures and saves the opt-in with a pinned version", async () => {
    const requests = serve(answers(activeFixture()), USER);
    const user = userEvent.setup();
    renderPage(<TradingConfigPage />);

    const card = await screen.findByTestId("active-model");
    expect(await within(card).findByText("Active model: v3")).toBeInTheDocument();
    expect(card).toHaveTextContent("Accuracy 41.0 %, macro F1 0.33, measured on the days from 2012-03-01.");
    expect(within(card).getByTestId("active-model-backtest")).toHaveTextContent("Rules + model (filter)2860.0 %+15.50 %6.00 %");

    const ml = screen.getByTestId("ml-filter");
    await user.click(within(ml).getByRole("switch", { name: /Filter my buys with the ML model/ }));
    await user.click(within(ml).getByRole("textbox", { name: /Model version/ }));
    await user.click(await screen.findByRole("option", { name: /^v2 · XGBoost/, hidden: true }));
    await user.click(within(ml).getByRole("radio", { name: /Require both/ }));
    await user.click(screen.getByRole("button", { name: "Save" }));

    await waitFor(() => expect(requests.some((r) => r.method === "PATCH")).toBe(true));
    expect(requests.find((r) => r.method === "PATCH")?.body).toEqual({ ml_enabled: true, ml_model_version: 2, ml_combine: "require_both" });
  });

  it("says the rules alone decide while no model is active", async () => {
    serve(answers(activeFixture({ verdict_classifier: null, versions: [] })), USER);
    renderPage(<TradingConfigPage />);
    expect(await screen.findByText(/the rules alone decide/)).toBeInTheDocument();
    expect(within(screen.getByTestId("ml-filter")).getByRole("textbox", { name: /Model version/ })).toHaveValue("the active model");
  });
});
