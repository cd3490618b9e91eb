import { fireEvent, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeAuth } from "@/auth/tokens";
import { formatSigned, formatSpan, pnlColor } from "@/lib/format";
import { jsonResponse, renderPage, USER } from "@/test/render";
import DealsPage, { toDealFilters } from "./DealsPage";
import { closedRow, onPhone, page } from "./rows.test-helpers";

beforeEach(() => writeAuth({ access: "a", refresh: "r", user: USER }));
afterEach(() => vi.unstubAllGlobals());

const TOTALS = {
  deals: 80,
  wins: 51,
  by_currency: [
    { currency: "USDT", deals: 79, wins: 50, realized_pnl: "412.5", fees: "30", invested: "47400" },
    { currency: "INR", deals: 1, wins: 1, realized_pnl: "10", fees: "0", invested: "100" },
  ],
};

/** The deals page's two reads: the page of deals and the totals of every matching deal. */
function serve(extra?: (url: string) => Response | undefined) {
  const fetch = vi.fn(async (url: string) => extra?.(String(url)) ?? (String(url).includes("deals/totals") ? jsonResponse(TOTALS) : jsonResponse(page(DEALS, 80))));
  vi.stubGlobal("fetch", fetch);
  return fetch;
}
const urlOf = (fetch: ReturnType<typeof serve>, part: string) =>
  new URL(String(fetch.mock.calls.map((c) => String(c[0])).findLast((u) => u.includes(part))), "http://x");

const DEALS = [
  closedRow({ id: "d1" }),
  closedRow({ id: "d2", symbol: "ETH/USDT", realized_pnl: "-3.5", realized_pnl_percent: "-0.58", exit_reason_label: "Stop loss" }),
];

describe("the deal history", () => {
  it("lists closed deals with their realized result and the totals of every matching deal", async () => {
    const fetch = serve();
    renderPage(<DealsPage />, { path: "/deals?symbol=BTCUSDT&ordering=-realized_pnl&page=2", route: "/deals" });
    const row = (await screen.findByText("ETH/USDT")).closest("tr")!;
    expect(within(row).getByText("-3.50 USDT")).toBeInTheDocument();
    expect(within(row).getByText("-0.58 %")).toBeInTheDocument();
    expect(within(row).getByText("Stop loss")).toBeInTheDocument();
    const totals = await screen.findByTestId("deals-totals");
    expect(totals).toHaveTextContent("All 80 deals");
    expect(totals).toHaveTextContent("+412.50 USDT");
    expect(totals).toHaveTextContent("+10.00 INR");
    expect(totals).toHaveTextContent("51 wins of 80");
    const list = urlOf(fetch, "/deals?");
    expect(list.searchParams.get("symbol")).toBe("BTCUSDT");
    expect(list.searchParams.get("ordering")).toBe("-realized_pnl");
    expect(list.searchParams.get("page")).toBe("2");
    const sums = urlOf(fetch, "deals/totals");
    expect(sums.searchParams.get("symbol")).toBe("BTCUSDT");
    expect(sums.searchParams.has("page")).toBe(false); // every matching deal, not this page
    expect(screen.getByRole("columnheader", { name: /^Realized ▼/ })).toHaveAttribute("aria-sort", "descending");
  });

  it("shows each deal as a card with its realized result up front on a phone", async () => {
    onPhone();
    serve();
    renderPage(<DealsPage />, { path: "/deals", route: "/deals" });
    const cards = await screen.findByTestId("deals-cards");
    expect(screen.queryByTestId("deals-table")).not.toBeInTheDocument();
    const card = within(cards).getByText("ETH/USDT").closest('[data-testid="position-card"]') as HTMLElement;
    expect(within(card).getByText("-3.50 USDT (-0.58 %)")).toBeInTheDocument();
    expect(within(card).getByText(/Stop loss/)).toBeInTheDocument();
  });

  it("downloads every matching deal as the server's CSV file", async () => {
    const csv = new Response("id,symbol\r\nd1,BTC/USDT\r\n", {
      headers: { "Content-Type": "text/csv", "Content-Disposition": 'attachment; filename="tradefleet-deals-20260301.csv"' },
    });
    const fetch = serve((url) => (url.includes("deals.csv") ? csv : undefined));
    const createObjectURL = vi.fn(() => "blob:deals");
    vi.stubGlobal("URL", Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() }));
    const clicked: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    renderPage(<DealsPage />, { path: "/deals?symbol=ETHUSDT&page=2", route: "/deals" });
    await screen.findByText("ETH/USDT");
    fireEvent.click(screen.getByRole("button", { name: "Download CSV" }));
    await vi.waitFor(() => expect(clicked).toEqual(["tradefleet-deals-20260301.csv"]));
    const url = urlOf(fetch, "deals.csv");
    expect(url.pathname).toBe("/api/v1/deals.csv");
    expect(url.searchParams.get("symbol")).toBe("ETHUSDT");
    expect(url.searchParams.has("page")).toBe(false); // every deal, not the page on screen
    click.mockRestore();
  });

  it("reads whole UTC days from the address", () => {
    expect(toDealFilters(new URLSearchParams("from=2026-03-01&to=2026-03-31&exchange=binance"))).toEqual({
      exchange: "binance",
      closed_after: "2026-03-01T00:00:00Z",
      closed_before: "2026-04-01T00:00:00Z",
    });
    expect(toDealFilters(new URLSearchParams("from=yesterday"))).toEqual({});
  });
});

describe("amounts as people read them", () => {
  it("never shows -0.00 and leaves zero uncoloured", () => {
    expect(formatSigned("-0.001", " %")).toBe("0.00 %");
    expect(formatSigned("-0.004")).toBe("0.00");
    expect(formatSigned("-0.005")).toBe("-0.01");
    expect(formatSigned("0.5", " %")).toBe("+0.50 %");
    expect(pnlColor("-0.001")).toBeUndefined();
    expect(pnlColor("-0.01")).toBe("red");
    expect(pnlColor("0.01")).toBe("teal");
  });

  it("says durations with the two largest units", () => {
    expect(formatSpan(3 * 3600 + 12 * 60 + 5)).toBe("3 h 12 m");
    expect(formatSpan(45)).toBe("45 s");
    expect(formatSpan(2 * 86400 + 4 * 3600)).toBe("2 d 4 h");
    expect(formatSpan(3600)).toBe("1 h");
    expect(formatSpan(null)).toBe("—");
  });
});
