import { screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Signal } from "@/api/types";
import { writeAuth } from "@/auth/tokens";
import { jsonResponse, renderPage, USER } from "@/test/render";
import DashboardPage from "./DashboardPage";

// No canvas in jsdom.
vi.mock("@/charts/LineChart", () => ({ LineChart: () => null }));

beforeEach(() => writeAuth({ access: "a", refresh: "r", user: USER }));
afterEach(() => vi.unstubAllGlobals());

const STALE = {
  id: "s9",
  status: "rejected",
  outcome: "stale",
  classification: "",
  reason: "timestamp: the alert is 600 s old; signals older than 300 s are not traded",
  reason_code: "stale",
  reason_field: "timestamp",
  exchange: "",
  symbol: "BTCUSDT",
  timeframe: "60",
  side: "",
  intent_type: "auto",
  price: null,
  position_group: null,
  sent_at: "2026-12-05T11:50:00Z",
  received_at: new Date(Date.now() - 120_000).toISOString(),
  processed_at: null,
} as Signal;

const page = (results: unknown[], count = results.length) => jsonResponse({ count, next: null, previous: null, results });

function serve(requests: URL[]) {
  return vi.fn(async (input: string) => {
    const url = new URL(String(input), "http://x");
    requests.push(url);
    const path = url.pathname.replace("/api/v1/", "");
    if (path === "signals") return url.searchParams.get("status") === "rejected" ? page([STALE], 3) : page([STALE], 40);
    if (path === "trading-config") return jsonResponse({ config: { max_open_groups: 3, user_capital: "1000", risk_engine_enabled: false } });
    if (path === "performance") return jsonResponse({ realized_pnl: "0", unrealized_pnl: "0", currency: "USDT", equity_curve: [], win_rate: null, max_drawdown: "0" });
    if (path === "positions" || path === "logs/errors") return page([]);
    return jsonResponse({ detail: "not found" }, 404);
  });
}

describe("the dashboard's signals", () => {
  it("links the last webhook to its signal with its outcome and reason, and counts the day's refusals", async () => {
    const requests: URL[] = [];
    vi.stubGlobal("fetch", serve(requests));
    renderPage(<DashboardPage />);

    const tile = await screen.findByTestId("last-webhook");
    expect(await within(tile).findByRole("link", { name: "2 min ago" })).toHaveAttribute("href", "/signals/s9");
    expect(tile).toHaveTextContent("stale");
    expect(within(tile).getByTestId("last-webhook-reason")).toHaveTextContent("timestamp the alert is 600 s old");

    const alert = await screen.findByTestId("refused-signals");
    expect(alert).toHaveTextContent("3 signals were refused in the last 24 hours");
    expect(within(alert).getByText("timestamp").tagName).toBe("CODE");
    expect(within(alert).getByRole("link", { name: "BTCUSDT" })).toHaveAttribute("href", "/signals/s9");
    expect(within(alert).getByRole("link", { name: "See them all" })).toHaveAttribute("href", "/signals?status=rejected&period=24h");

    const refused = requests.find((url) => url.pathname.endsWith("/signals") && url.searchParams.get("status") === "rejected")!;
    expect(refused.searchParams.get("page_size")).toBe("1");
    expect(Date.now() - Date.parse(refused.searchParams.get("received_after")!)).toBeGreaterThan(23.9 * 3600_000);
  });
});
