import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeAuth } from "@/auth/tokens";
import { jsonResponse, renderPage, USER } from "@/test/render";
import { jobFixture } from "./testFixtures";
import { page, serve } from "./testServer";
import { TrainingForm } from "./TrainingForm";
import { symbolsBySource } from "./trainingForm";
import type { MarketSeries } from "./types";

const ADMIN = { ...USER, role: "admin" as const };
const series = (source: string, symbol: string, interval: MarketSeries["interval"] = "1d"): MarketSeries => ({
  id: Math.floor(Math.random() * 1e6),
  source,
  symbol,
  interval,
  calendar: "none",
  gaps: [],
  is_active: true,
  last_refreshed: null,
  last_error: "",
  gap_count: 0,
  created_at: "2026-12-06T10:00:00Z",
});
const SAMPLE = ["AAPL", "GOOG", "IBM", "MSFT"].map((symbol) => series("csv", symbol));

beforeEach(() => writeAuth({ access: "a", refresh: "r", user: ADMIN }));
afterEach(() => vi.unstubAllGlobals());

describe("the training form", () => {
  it("offers the sample history while no daily series exist, then trains on it", async () => {
    let loaded = false;
    const requests = serve({
      "GET market-data/series": () => jsonResponse(page(loaded ? [...SAMPLE, series("yfinance", "TCS.NS", "1h")] : [series("yfinance", "TCS.NS", "1h")])),
      "POST ml/sample-data": () => ((loaded = true), jsonResponse({ source: "csv", symbols: ["AAPL", "GOOG", "IBM", "MSFT"], candles: 14000 }, 201)),
      "POST ml/jobs": () => jsonResponse({ ...jobFixture(), log: [] }, 201),
    });
    const started = vi.fn();
    const user = userEvent.setup();
    renderPage(<TrainingForm onStarted={started} />);

    await user.click(await screen.findByRole("button", { name: "Load the sample history" }));
    expect(await screen.findByRole("form", { name: "Train a model" })).toBeInTheDocument();
    expect(screen.getByRole("textbox", { name: "Data source" })).toHaveValue("csv (4 daily series)");

    await user.click(screen.getByRole("textbox", { name: "Symbols" }));
    await user.click(await screen.findByRole("option", { name: "AAPL", hidden: true }));
    await user.click(await screen.findByRole("option", { name: "IBM", hidden: true }));
    const trees = screen.getByRole("textbox", { name: "Trees (n_estimators)" });
    await user.clear(trees);
    await user.type(trees, "10");
    const depth = screen.getByRole("textbox", { name: "Max depth" });
    await user.clear(depth);
    await user.type(depth, "5");
    await user.click(screen.getByRole("button", { name: "Start training" }));

    await waitFor(() => expect(started).toHaveBeenCalled());
    expect(requests.find((r) => r.method === "POST" && r.path === "ml/jobs")?.body).toEqual({
      model_type: "verdict_classifier",
      algorithm: "random_forest",
      data_source: "csv",
      symbols: ["AAPL", "IBM"],
      window_start: null,
      window_end: null,
      params: { n_estimators: 10, max_depth: 5, test_fraction: 0.2 },
    });
  });

  it("shows the server's refusals at their fields", async () => {
    serve({
      "GET market-data/series": () => jsonResponse(page(SAMPLE)),
      "POST ml/jobs": () =>
        jsonResponse(
          {
            detail: "symbols: No daily candles of ZZZ from csv.",
            code: "invalid",
            errors: { symbols: ["No daily candles of ZZZ from csv."], "params.n_estimators": ["Ensure this value is less than or equal to 1000."], window_end: ["The window must end today or earlier."] },
          },
          400,
        ),
    });
    const user = userEvent.setup();
    renderPage(<TrainingForm onStarted={() => undefined} />);
    await user.click(await screen.findByRole("button", { name: "Start training" }));

    expect(await screen.findByText("No daily candles of ZZZ from csv.")).toBeInTheDocument();
    expect(screen.getByText("Ensure this value is less than or equal to 1000.")).toBeInTheDocument();
    expect(screen.getByText("The window must end today or earlier.")).toBeInTheDocument();
    expect(screen.getByRole("textbox", { name: "Trees (n_estimators)" })).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("To (optional)")).toHaveAttribute("aria-invalid", "true");
    // All three are at their fields, so no general alert repeats them.
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });
});

describe("the symbols by source", () => {
  it("groups daily series by source, sorted and without repeats", () => {
    expect(symbolsBySource([series("yfinance", "TCS.NS"), series("csv", "MSFT"), series("csv", "AAPL"), series("csv", "AAPL")])).toEqual({
      csv: ["AAPL", "MSFT"],
      yfinance: ["TCS.NS"],
    });
  });
});
