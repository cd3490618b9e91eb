import { act, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { keys } from "@/api/keys";
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

const PERFORMANCE = {
  currency: "USDT",
  currencies: ["BTC", "USDT"],
  realized_pnl: "110",
  unrealized_pnl: "4",
  equity_curve: [],
  win_rate: "66.67",
  max_drawdown: "0",
  today_start: "2026-12-06T00:00:00Z",
  profit_today: "10",
  completed_today: 2,
  by_currency: [
    { currency: "BTC", realized_pnl: "0.5", completed_deals: 1, unrealized_pnl: "-0.1", open_groups: 1, profit_today: "0.5", completed_today: 1 },
    { currency: "USDT", realized_pnl: "110", completed_deals: 3, unrealized_pnl: "4", open_groups: 2, profit_today: "10", completed_today: 2 },
  ],
};

describe("the dashboard's PnL cards", () => {
  it("shows realized and unrealized apart, today's profit in UTC and the completed deals, per quote currency", async () => {
    const requests: URL[] = [];
    const base = serve(requests);
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: string) => (String(input).includes("/api/v1/performance") ? jsonResponse(PERFORMANCE) : base(input))),
    );
    renderPage(<DashboardPage />);

    const realized = await screen.findByTestId("realized-pnl");
    expect(realized).toHaveTextContent("Realized PnL (30 d)");
    await within(realized).findByText(/\+110\.00 USDT/);
    // The summary's own currency first, the others after it, never added together.
    const lines = realized.querySelectorAll("[data-currency]");
    expect([...lines].map((line) => line.getAttribute("data-currency"))).toEqual(["USDT", "BTC"]);
    expect(realized).toHaveTextContent("+0.50 BTC");

    const unrealized = screen.getByTestId("unrealized-pnl");
    expect(unrealized).toHaveTextContent("+4.00 USDT · 2 open");
    expect(unrealized).toHaveTextContent("-0.10 BTC · 1 open");

    const today = screen.getByTestId("profit-today");
    expect(today).toHaveTextContent("+10.00 USDT · 2 closed");
    expect(today).toHaveTextContent("since 00:00 UTC (2026-12-06)");

    const deals = screen.getByTestId("completed-deals");
    expect(deals).toHaveTextContent("3 in USDT");
    expect(deals).toHaveTextContent("1 in BTC");
    expect(deals).toHaveTextContent("win rate 66.67 % in USDT");
    expect(screen.queryByTestId("total-pnl")).not.toBeInTheDocument();
  });

  it("moves the unrealized card with the live price marks, which patch the summary's own total", async () => {
    const requests: URL[] = [];
    const base = serve(requests);
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: string) => (String(input).includes("/api/v1/performance") ? jsonResponse(PERFORMANCE) : base(input))),
    );
    const { client } = renderPage(<DashboardPage />);
    const unrealized = await screen.findByTestId("unrealized-pnl");
    await within(unrealized).findByText(/\+4\.00 USDT/);
    act(() => client.setQueryData(keys.performance(30), { ...PERFORMANCE, unrealized_pnl: "-1.5" }));
    expect(await within(unrealized).findByText(/-1\.50 USDT/)).toBeInTheDocument();
    expect(unrealized).toHaveTextContent("-0.10 BTC");
  });

  it("shows zeros in the summary's currency for a user without any deal", async () => {
    const requests: URL[] = [];
    vi.stubGlobal("fetch", serve(requests));
    renderPage(<DashboardPage />);
    const today = await screen.findByTestId("profit-today");
    await within(today).findByText(/0\.00 USDT/);
    expect(screen.getByTestId("completed-deals")).toHaveTextContent("0 in USDT");
  });
});
