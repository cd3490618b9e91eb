import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { renderPage } from "@/test/render";
import { MlFilterLine } from "./MlFilterLine";
import { RecommendationsTable } from "./RecommendationsTable";
import type { Recommendation } from "./types";

function rec(overrides: Partial<Recommendation>): Recommendation {
  return {
    id: "r1", run: "run", day: "2026-11-23", symbol: "TCS", rank: 1, verdict: "strong_buy", combined: "24.1", close: "3500",
    quantity: 10, capital: "35000", target: "3700", stop: null, status: "planned", reason: "", ml_model_version: null,
    ml_verdict: "", ml_confidence: null, attempts: 0, group: null, order: null, created_at: "2026-11-23T10:30:00Z", updated_at: "2026-11-23T10:30:00Z",
    ...overrides,
  } as Recommendation;
}

describe("the ML filter on the scanner", () => {
  it("says nothing when the trader has not opted in", () => {
    renderPage(<MlFilterLine ml={{}} />);
    expect(screen.queryByText(/ML filter/)).toBeNull();
  });

  it("says the rules alone decided, and why, when no model could be used", () => {
    renderPage(<MlFilterLine ml={{ mode: "filter", model_version: null, note: "ML filter on, but no model is active: the rules alone decided" }} />);
    expect(screen.getByText("ML filter not applied")).toBeInTheDocument();
    expect(screen.getByText(/no model is active: the rules alone decided/)).toBeInTheDocument();
  });

  it("names the model, the mode and what it dropped", () => {
    renderPage(<MlFilterLine ml={{ mode: "require_both", model_version: 3, min_confidence: 0.6, kept: 1, dropped: ["INFY"] }} />);
    expect(screen.getByTestId("ml-filter-line").textContent).toBe("ML filter: model v3, require both, minimum confidence 60 %: kept 1, dropped INFY.");
  });

  it("shows each buy's model verdict and confidence next to the rules' verdict", () => {
    renderPage(
      <RecommendationsTable
        rows={[
          rec({ symbol: "TCS", ml_model_version: 3, ml_verdict: "strong_buy", ml_confidence: "0.8120" }),
          rec({ id: "r2", symbol: "INFY", rank: 2, status: "skipped", reason: "ML filter (model v3, require_both): the model says avoid at 0.70 confidence", ml_model_version: 3, ml_verdict: "avoid", ml_confidence: "0.7000" }),
          rec({ id: "r3", symbol: "HDFC", rank: 3 }),
        ]}
      />,
    );
    const row = (symbol: string) => within(screen.getByRole("rowheader", { name: symbol }).closest("tr") as HTMLElement);
    expect(row("TCS").getByText("strong buy 81 % (v3)")).toBeInTheDocument();
    expect(row("INFY").getByText("avoid 70 % (v3)")).toBeInTheDocument();
    expect(row("INFY").getByText(/the model says avoid/)).toBeInTheDocument();
    expect(row("HDFC").getAllByText("—").length).toBeGreaterThan(0);
  });
});
