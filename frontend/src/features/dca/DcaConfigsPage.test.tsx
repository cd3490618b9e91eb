import { screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeAuth } from "@/auth/tokens";
import { jsonResponse, renderPage, USER } from "@/test/render";
import DcaConfigsPage from "./DcaConfigsPage";

const config = (id: string, symbol: string) => ({
  id,
  account: null,
  exchange: "simulator",
  symbol,
  timeframe: "1h",
  form: "explicit",
  levels: [{ gap_percent: "0", weight_percent: "100", tp_percent: "1" }],
  tp_mode: "per_leg",
  max_pyramids: 5,
});

const STATS = [
  {
    config_id: "btc",
    currency: "USDT",
    active_deals: 2,
    closed_deals: 3,
    realized_pnl: "40",
    wins: 2,
    win_rate: "66.67",
    avg_duration_seconds: 4 * 3600,
    capital_in_use: "150",
    unrealized_pnl: "3",
  },
  {
    config_id: "eth",
    currency: "BTC",
    active_deals: 0,
    closed_deals: 0,
    realized_pnl: "0",
    wins: 0,
    win_rate: null,
    avg_duration_seconds: null,
    capital_in_use: "0",
    unrealized_pnl: "0",
  },
];

beforeEach(() => writeAuth({ access: "a", refresh: "r", user: USER }));
afterEach(() => vi.unstubAllGlobals());

describe("the DCA configurations list", () => {
  it("shows each configuration's deals, profit in its quote currency, win rate, time held and capital in use", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: string) => {
        const path = new URL(String(input), "http://x").pathname.replace("/api/v1/", "");
        if (path === "dca-configs/stats") return jsonResponse(STATS);
        return jsonResponse({ count: 2, next: null, previous: null, results: [config("btc", "BTC/USDT"), config("eth", "ETH/BTC")] });
      }),
    );
    const { container } = renderPage(<DcaConfigsPage />, { path: "/dca", route: "/dca" });
    const table = await screen.findByTestId("dca-table");
    for (const heading of ["Deals", "Realized profit", "Avg. time held", "Capital in use"]) {
      expect(within(table).getByRole("columnheader", { name: heading })).toBeInTheDocument();
    }
    const btc = container.querySelector('[data-config="btc"]') as HTMLElement;
    expect(await within(btc).findByTestId("stats-deals")).toHaveTextContent("2 open · 3 closed");
    expect(within(btc).getByTestId("stats-profit")).toHaveTextContent("+40.00 USDT");
    expect(within(btc).getByTestId("stats-profit")).toHaveTextContent("win rate 66.67 % (2 of 3)");
    expect(within(btc).getByTestId("stats-duration")).toHaveTextContent("4h 0m");
    expect(within(btc).getByTestId("stats-capital")).toHaveTextContent("150.00 USDT");
    expect(within(btc).getByTestId("stats-capital")).toHaveTextContent("+3.00 unrealized");

    const eth = container.querySelector('[data-config="eth"]') as HTMLElement;
    expect(within(eth).getByTestId("stats-deals")).toHaveTextContent("0 open · 0 closed");
    expect(within(eth).getByTestId("stats-profit")).toHaveTextContent("0.00 BTC");
    expect(within(eth).getByTestId("stats-profit")).toHaveTextContent("no closed deal yet");
    expect(within(eth).getByTestId("stats-duration")).toHaveTextContent("—");
  });
});
