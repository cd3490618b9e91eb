import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeAuth } from "@/auth/tokens";
import { applyEvent } from "@/live/applyEvent";
import { jsonResponse, renderPage, USER } from "@/test/render";
import { MlPanel } from "./MlPanel";
import { CLASSIFIER_METRICS, jobFixture, modelFixture } from "./testFixtures";
import { page, serve } from "./testServer";
import type { MLModel } from "./types";

// lightweight-charts needs a canvas jsdom does not have; the curves it gets are checked instead.
vi.mock("./EquityCurvesChart", () => ({
  EquityCurvesChart: ({ curves, label }: { curves: { label: string; points: unknown[] }[]; label: string }) => (
    <div role="figure" aria-label={label} data-testid="equity-chart" data-curves={curves.map((c) => `${c.label}:${c.points.length}`).join("|")} />
  ),
}));

const ADMIN = { ...USER, role: "admin" as const };
const SERIES = page([{ id: 1, source: "csv", symbol: "AAPL", interval: "1d", calendar: "none", gaps: [], is_active: true, last_refreshed: null, last_error: "", gap_count: 0, created_at: "2026-12-06T10:00:00Z" }]);

beforeEach(() => writeAuth({ access: "a", refresh: "r", user: ADMIN }));
afterEach(() => vi.unstubAllGlobals());

function answers(models: MLModel[], extra = {}) {
  return {
    "GET market-data/series": () => jsonResponse(SERIES),
    "GET ml/jobs": () => jsonResponse(page([jobFixture({ id: "j1", status: "running", progress: 20, started_at: "2026-12-06T10:00:02Z", last_log: { at: "t", level: "info", message: "Loading AAPL" } })])),
    "GET ml/jobs/j1": () =>
      jsonResponse({ ...jobFixture({ id: "j1", status: "running", progress: 20 }), log: [{ at: "2026-12-06T10:00:02Z", level: "info", message: "Loading AAPL" }] }),
    "GET ml/models": () => jsonResponse(page(models)),
    ...extra,
  };
}

describe("the ML admin tab", () => {
  it("moves a job's progress bar and log live, and cancels it after a confirmation", async () => {
    const requests = serve(
      answers([], {
        "POST ml/jobs/j1/cancel": () => jsonResponse({ ...jobFixture({ id: "j1", status: "running", progress: 50, cancel_requested: true }), log: [] }),
      }),
    );
    const user = userEvent.setup();
    const { client } = renderPage(<MlPanel />, { path: "/manage/ml" });

    const bar = await screen.findByRole("progressbar", { name: /Progress of the job Verdict classifier/ });
    expect(bar).toHaveAttribute("aria-valuenow", "20");
    act(() =>
      applyEvent(client, {
        type: "ml.job.updated",
        data: { id: "j1", status: "running", progress: 45, log: { at: "2026-12-06T10:00:03Z", level: "info", message: "Loaded IBM" }, error: "" },
      }),
    );
    await waitFor(() => expect(bar).toHaveAttribute("aria-valuenow", "45"));
    expect(within(screen.getByTestId("ml-jobs")).getByTestId("job-last-log")).toHaveTextContent("Loaded IBM");

    await user.click(screen.getByRole("button", { name: /^Open the job Verdict classifier, Random forest/ }));
    const log = await screen.findByTestId("job-log");
    expect(log).toHaveTextContent("Loading AAPL");
    act(() =>
      applyEvent(client, {
        type: "ml.job.updated",
        data: { id: "j1", status: "running", progress: 50, log: { at: "2026-12-06T10:00:04Z", level: "info", message: "Split by day" }, error: "" },
      }),
    );
    await waitFor(() => expect(screen.getByTestId("job-log")).toHaveAttribute("data-lines", "2"));

    await user.click(within(screen.getByTestId("job-detail")).getByRole("button", { name: "Cancel the job" }));
    await user.click(within(await screen.findByRole("dialog", { name: "Cancel this training?" })).getByRole("button", { name: "Cancel the job" }));
    await waitFor(() => expect(requests.some((r) => r.method === "POST" && r.path === "ml/jobs/j1/cancel")).toBe(true));
    expect(await within(screen.getByTestId("job-detail")).findByText("cancelling")).toBeInTheDocument();
  });

  it("opens a model: scores per class, the confusion matrix in the verdicts' order, the backtest", async () => {
    serve(answers([modelFixture({ id: "m1", version: 1 })]));
    const user = userEvent.setup();
    renderPage(<MlPanel />, { path: "/manage/ml" });

    const row = (await screen.findByTestId("ml-models")).querySelector('[data-model="m1"]') as HTMLElement;
    expect(row).toHaveTextContent("41.0 % · F1 0.33");
    expect(row).toHaveTextContent("+12.30 % → +15.50 %");
    await user.click(within(row).getByRole("button", { name: "Open Verdict classifier v1" }));

    const detail = await screen.findByTestId("model-detail");
    const matrix = within(detail).getByTestId("confusion-matrix");
    const headers = within(matrix).getAllByRole("columnheader").map((th) => th.textContent);
    expect(headers.slice(1)).toEqual(["avoid", "watch", "buy", "strong buy"]);
    // avoid (true) predicted avoid: 30, predicted buy: 12, in the server's other order.
    expect(matrix.querySelector('[data-cell="avoid:avoid"]')).toHaveTextContent("30");
    expect(matrix.querySelector('[data-cell="avoid:buy"]')).toHaveTextContent("12");
    expect(matrix.querySelector('[data-cell="buy:avoid"]')).toHaveTextContent("15");
    expect(within(detail).getByTestId("class-scores").querySelector('[data-class="watch"]')).toHaveTextContent("0.200.100.1320");
    expect(within(detail).getByTestId("equity-chart")).toHaveAttribute("data-curves", "Rules alone:3|Rules + model (filter):3|Rules + model (require both):3");
    const summary = within(detail).getByTestId("backtest-summary");
    expect(summary.querySelector('[data-run="filter"]')).toHaveTextContent("Rules + model (filter)2855.0 %+15.50 %8.10 %");
  });

  it("says so when a model has no backtest", async () => {
    const { backtest: _, ...withoutBacktest } = CLASSIFIER_METRICS;
    serve(answers([modelFixture({ id: "m0", metrics: withoutBacktest })]));
    renderPage(<MlPanel />, { path: "/manage/ml?model=m0" });
    const detail = await screen.findByTestId("model-detail");
    expect(within(detail).getByText(/trained before backtests were recorded/)).toBeInTheDocument();
    expect(within(detail).queryByTestId("equity-chart")).not.toBeInTheDocument();
    expect(within(detail).getByTestId("confusion-matrix")).toBeInTheDocument();
  });

  it("activates a model after the confirmation, and shows a refusal with its code", async () => {
    let activated = false;
    const models = () => [modelFixture({ id: "m2", version: 2, is_active: activated }), modelFixture({ id: "m1", version: 1, is_active: !activated, activated_by: "admin@tradefleet.local", activated_at: "2026-12-06T10:06:00Z" })];
    const requests = serve({
      ...answers([]),
      "GET ml/models": () => jsonResponse(page(models())),
      "POST ml/models/m2/activate": () => ((activated = true), jsonResponse(models()[0])),
      "POST ml/models/rollback": () => jsonResponse({ detail: "No earlier verdict_classifier model was active.", code: "no_previous_model", errors: {} }, 409),
    });
    const user = userEvent.setup();
    renderPage(<MlPanel />, { path: "/manage/ml" });

    const table = await screen.findByTestId("ml-models");
    const v2 = table.querySelector('[data-model="m2"]') as HTMLElement;
    await user.click(within(v2).getByRole("button", { name: "Activate" }));
    const dialog = await screen.findByRole("dialog", { name: "Activate Verdict classifier v2?" });
    expect(dialog).toHaveTextContent("Traders who opted in will filter their next buys with v2");
    await user.click(within(dialog).getByRole("button", { name: "Activate" }));
    await waitFor(() => expect(within(table.querySelector('[data-model="m2"]') as HTMLElement).getByTestId("active-badge")).toBeInTheDocument());
    expect(requests.filter((r) => r.method === "POST").map((r) => r.path)).toEqual(["ml/models/m2/activate"]);

    await user.click(screen.getByRole("button", { name: "Roll back verdict classifier" }));
    await user.click(within(await screen.findByRole("dialog", { name: "Roll back the verdict classifier?" })).getByRole("button", { name: "Roll back" }));
    expect(await screen.findByText("No earlier verdict_classifier model was active.")).toBeInTheDocument();
    expect(screen.getByText("Not rolled back (no_previous_model)")).toBeInTheDocument();
    expect(requests.find((r) => r.path === "ml/models/rollback")?.body).toEqual({ model_type: "verdict_classifier" });
  });

  it("compares two models metric by metric", async () => {
    const a = modelFixture({ id: "m1", version: 1 });
    const b = modelFixture({ id: "m2", version: 2, algorithm: "xgboost" });
    const requests = serve({
      ...answers([b, a]),
      "GET ml/models/compare": () =>
        jsonResponse({
          a,
          b,
          metrics: [
            { name: "accuracy", a: 0.41, b: 0.45, difference: 0.04 },
            { name: "f1_strong_buy", a: 0.27, b: 0.2, difference: -0.07 },
          ],
        }),
    });
    const user = userEvent.setup();
    renderPage(<MlPanel />, { path: "/manage/ml" });
    await user.click(await screen.findByRole("textbox", { name: "Model A" }));
    await user.click(within(await screen.findByRole("listbox", { name: "Model A", hidden: true })).getByRole("option", { name: /Verdict classifier v1/, hidden: true }));
    await user.click(screen.getByRole("textbox", { name: "Model B" }));
    await user.click(within(await screen.findByRole("listbox", { name: "Model B", hidden: true })).getByRole("option", { name: /Verdict classifier v2 · XGBoost/, hidden: true }));

    const table = await screen.findByTestId("ml-comparison");
    expect(table.querySelector('[data-metric="accuracy"]')).toHaveTextContent("Accuracy0.4100.450+0.040");
    expect(table.querySelector('[data-metric="f1_strong_buy"]')).toHaveTextContent("F1 of strong buy0.2700.200-0.070");
    const compare = requests.find((r) => r.path === "ml/models/compare")!;
    expect([compare.query.get("a"), compare.query.get("b")]).toEqual(["m1", "m2"]);
  });
});
