import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeAuth } from "@/auth/tokens";
import { serve } from "@/features/ml/testServer";
import { jsonResponse, renderPage, USER } from "@/test/render";
import { PerformancePanel } from "./PerformancePanel";
import { alertsFixture, reportFixture } from "./performance/testFixtures";
import type { MetricSeries } from "./performance/types";

// lightweight-charts needs a canvas jsdom does not have; the lines it gets are checked instead.
vi.mock("./performance/MetricChart", () => ({
  MetricChart: ({ series, unit, label }: { series: MetricSeries[]; unit: string; label: string }) => (
    <div role="figure" aria-label={label} data-testid="metric-chart" data-unit={unit} data-lines={series.map((s) => `${s.label}:${s.points.filter(([, v]) => v !== null).length}`).join("|")} />
  ),
}));

const ADMIN = { ...USER, role: "admin" as const };
beforeEach(() => writeAuth({ access: "a", refresh: "r", user: ADMIN }));
afterEach(() => vi.unstubAllGlobals());

const panel = (key: string) => document.querySelector(`[data-panel="${key}"]`) as HTMLElement;

describe("the performance dashboard", () => {
  it("draws each lines panel as a chart with its unit, each table panel as a table, and says which panels are empty", async () => {
    serve({ "GET admin/performance": () => jsonResponse(reportFixture()), "GET admin/alerts": () => jsonResponse(alertsFixture({ events: [] })) });
    renderPage(<PerformancePanel />, { path: "/manage/performance" });

    const chart = await screen.findByRole("figure", { name: "API latency (ms), last hour" });
    expect(chart).toHaveAttribute("data-lines", "p50:2|p95:2|p99:2");
    expect(within(panel("api_latency")).getByRole("heading", { level: 3, name: "API latency (ms)" })).toBeInTheDocument();
    expect(within(panel("webhook_rate")).getByText("No data in this window yet")).toBeInTheDocument();
    expect(within(panel("webhook_rate")).queryByRole("figure")).not.toBeInTheDocument();

    const endpoints = within(panel("api_endpoints")).getByRole("table", { name: "API latency by endpoint (ms)" });
    expect(within(endpoints).getAllByRole("columnheader").map((th) => th.textContent)).toEqual(["Endpoint", "Requests", "p50", "p95", "p99"]);
    expect(within(endpoints).getAllByRole("cell").map((td) => td.textContent)).toEqual(["GET /api/v1/positions", "1,200", "8.1", "20.35", "41"]);
    expect(within(panel("orders")).getByText("No data in this window yet")).toBeInTheDocument();

    expect(screen.getByTestId("performance-as-of")).toHaveTextContent(`As of ${new Date("2026-12-06T12:00:00Z").toLocaleString()}`);
    expect(screen.getByRole("heading", { level: 2, name: "Performance" })).toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 2, name: "Alerts" })).toBeInTheDocument();
    expect(await screen.findByText("No alert has fired yet.")).toBeInTheDocument();
  });

  it("asks for the window in the URL, for another one when the admin switches (kept in the URL), and again on Refresh", async () => {
    const requests = serve({
      "GET admin/performance": (_, query) => jsonResponse(reportFixture({ window: query.get("window") as "day" })),
      "GET admin/alerts": () => jsonResponse(alertsFixture()),
    });
    const user = userEvent.setup();
    const { router } = renderPage(<PerformancePanel />, { path: "/manage/performance?window=week" });

    await screen.findByRole("figure", { name: "API latency (ms), last week" });
    const asked = () => requests.filter((r) => r.path === "admin/performance").map((r) => r.query.get("window"));
    expect(asked()).toEqual(["week"]);

    await user.click(screen.getByRole("radio", { name: "Last day" }));
    await screen.findByRole("figure", { name: "API latency (ms), last day" });
    expect(asked()).toEqual(["week", "day"]);
    expect(router.state.location.search).toBe("?window=day");

    // Refresh asks for the panels and the alert rules again.
    const alertReads = () => requests.filter((r) => r.path === "admin/alerts").length;
    const before = alertReads();
    await user.click(screen.getByRole("button", { name: "Refresh" }));
    await waitFor(() => expect(asked()).toEqual(["week", "day", "day"]));
    await waitFor(() => expect(alertReads()).toBe(before + 1));
  });

  it("shows a refusal instead of the panels", async () => {
    serve({
      "GET admin/performance": () => jsonResponse({ detail: "You do not have permission to perform this action.", code: "permission_denied", errors: {} }, 403),
      "GET admin/alerts": () => jsonResponse(alertsFixture()),
    });
    renderPage(<PerformancePanel />, { path: "/manage/performance" });
    expect(await screen.findByText("You do not have permission to perform this action.")).toBeInTheDocument();
  });
});
