import { act, fireEvent, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { keys } from "@/api/keys";
import { writeAuth } from "@/auth/tokens";
import { applyEvent } from "@/live/applyEvent";
import { jsonResponse, renderPage, USER } from "@/test/render";
import PositionsPage, { toApiFilters } from "./PositionsPage";
import { closedRow, onPhone, page, row } from "./rows.test-helpers";

beforeEach(() => writeAuth({ access: "a", refresh: "r", user: USER }));
afterEach(() => vi.unstubAllGlobals());

function serve(body: unknown) {
  const fetch = vi.fn(async (_url: string) => jsonResponse(body));
  vi.stubGlobal("fetch", fetch);
  return fetch;
}
const urls = (fetch: ReturnType<typeof serve>) => fetch.mock.calls.map((call) => new URL(String(call[0]), "http://x"));

describe("the positions page", () => {
  it("shows the groups and changes a row in place when a live event arrives", async () => {
    const fetch = serve(page([row({ unrealized_pnl: "0", unrealized_pnl_percent: "0", invested: "300" })]));
    const { client } = renderPage(<PositionsPage />, { path: "/positions", route: "/positions" });
    const tr = (await screen.findByText("BTC/USDT")).closest("tr")!;
    expect(within(tr).getByText("live")).toBeInTheDocument();
    expect(within(tr).getByText("300.00 USDT")).toBeInTheDocument(); // units on every amount, in cents
    expect(urls(fetch)[0]?.searchParams.get("open")).toBe("true");

    act(() => applyEvent(client, { type: "position.updated", data: { id: "g1", status: "live", unrealized_pnl: "12.34", unrealized_pnl_percent: "1.5" } }));
    expect(await within(tr).findByText("+12.34 USDT (+1.50 %)")).toBeInTheDocument();
    expect(fetch).toHaveBeenCalledTimes(1); // no refetch: the event carried the values
    expect(client.getQueryState(keys.positions({ open: "true", page_size: "50" }))?.isInvalidated).toBe(false);
  });

  it("shows a closed row's entry, exit, realized result, times, duration and exit reason", async () => {
    serve(page([closedRow()]));
    renderPage(<PositionsPage />, { path: "/positions?status=closed", route: "/positions" });
    const tr = (await screen.findByText("BTC/USDT")).closest("tr")!;
    expect(within(tr).getByText("60,000 USDT")).toBeInTheDocument();
    expect(within(tr).getByText(/61,000 USDT/)).toBeInTheDocument();
    expect(within(tr).getByText("+8.79 USDT (+1.47 %)")).toBeInTheDocument();
    expect(within(tr).getByText("3 h 12 m")).toBeInTheDocument();
    expect(within(tr).getByText("By hand")).toBeInTheDocument();
  });

  it("never shows -0.00 % and leaves a zero result uncoloured", async () => {
    serve(page([row({ unrealized_pnl: "-0.001", unrealized_pnl_percent: "-0.0001" })]));
    renderPage(<PositionsPage />, { path: "/positions", route: "/positions" });
    const tr = (await screen.findByText("BTC/USDT")).closest("tr")!;
    const pnl = within(tr).getByText("0.00 USDT (0.00 %)");
    expect(pnl.textContent).not.toContain("-");
    expect(pnl.getAttribute("style") ?? "").not.toContain("red");
  });

  it("sorts on the server from a header, keeping the sort in the address", async () => {
    const fetch = serve(page([row()]));
    renderPage(<PositionsPage />, { path: "/positions?status=all", route: "/positions" });
    await screen.findByText("BTC/USDT");
    const header = () => screen.getByRole("columnheader", { name: /Invested/ });
    expect(header()).toHaveAttribute("aria-sort", "none");
    expect(screen.getByRole("columnheader", { name: /Opened/ })).toHaveAttribute("aria-sort", "descending");

    fireEvent.click(within(header()).getByRole("button"));
    await vi.waitFor(() => expect(urls(fetch).at(-1)?.searchParams.get("ordering")).toBe("invested"));
    expect(header()).toHaveAttribute("aria-sort", "ascending");

    fireEvent.click(within(header()).getByRole("button"));
    await vi.waitFor(() => expect(urls(fetch).at(-1)?.searchParams.get("ordering")).toBe("-invested"));
    expect(header()).toHaveAttribute("aria-sort", "descending");
  });

  it("pages on the server past 100 rows and opens the page the address names", async () => {
    const fetch = serve(page([row()], 120));
    renderPage(<PositionsPage />, { path: "/positions?status=all&page=2&ordering=-realized_pnl", route: "/positions" });
    await screen.findByText("BTC/USDT");
    const first = urls(fetch)[0]!;
    expect(first.searchParams.get("page")).toBe("2");
    expect(first.searchParams.get("page_size")).toBe("50");
    expect(first.searchParams.get("ordering")).toBe("-realized_pnl");
    expect(screen.getByTestId("positions-count")).toHaveTextContent("120 positions");
    fireEvent.click(screen.getByRole("button", { name: "3" }));
    await vi.waitFor(() => expect(urls(fetch).at(-1)?.searchParams.get("page")).toBe("3"));
  });

  it("shows cards with the PnL up front on a phone", async () => {
    onPhone();
    serve(page([closedRow()]));
    renderPage(<PositionsPage />, { path: "/positions?status=closed", route: "/positions" });
    const card = await screen.findByTestId("position-card");
    expect(screen.queryByTestId("positions-table")).not.toBeInTheDocument();
    expect(within(card).getByText("BTC/USDT")).toBeInTheDocument();
    expect(within(card).getByText("closed")).toBeInTheDocument();
    expect(within(card).getByText("+8.79 USDT (+1.47 %)")).toBeInTheDocument();
  });

  it("turns the address's filters, sort and page into the API's", () => {
    expect(toApiFilters(new URLSearchParams(""))).toEqual({ open: "true" });
    expect(toApiFilters(new URLSearchParams("status=closed_or_failed&symbol=ETHUSDT"))).toEqual({ open: "false", symbol: "ETHUSDT" });
    expect(toApiFilters(new URLSearchParams("status=all&timeframe=60"))).toEqual({ timeframe: "60" });
    expect(toApiFilters(new URLSearchParams("status=closing"))).toEqual({ status: "closing" });
    expect(toApiFilters(new URLSearchParams("status=all&ordering=-duration&page=4"))).toEqual({ ordering: "-duration", page: "4" });
    expect(toApiFilters(new URLSearchParams("status=all&page=1"))).toEqual({});
  });
});
