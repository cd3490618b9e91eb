import { act, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { keys } from "@/api/keys";
import { writeAuth } from "@/auth/tokens";
import { applyEvent } from "@/live/applyEvent";
import { position } from "@/test/fixtures";
import { jsonResponse, renderPage, USER } from "@/test/render";
import PositionsPage, { toApiFilters } from "./PositionsPage";

beforeEach(() => writeAuth({ access: "a", refresh: "r", user: USER }));
afterEach(() => vi.unstubAllGlobals());

describe("the positions page", () => {
  it("shows the groups and changes a row in place when a live event arrives", async () => {
    const fetch = vi.fn(async (_url: string) => jsonResponse({ count: 1, next: null, previous: null, results: [position({ unrealized_pnl: "0", unrealized_pnl_percent: "0" })] }));
    vi.stubGlobal("fetch", fetch);
    const { client } = renderPage(<PositionsPage />, { path: "/positions", route: "/positions" });
    const row = await screen.findByText("BTC/USDT");
    const tr = row.closest("tr")!;
    expect(within(tr).getByText("1 / 5")).toBeInTheDocument();
    expect(within(tr).getByText("live")).toBeInTheDocument();
    expect(String(fetch.mock.calls[0]?.[0])).toContain("open=true");

    act(() => applyEvent(client, { type: "position.updated", data: { id: "g1", status: "live", unrealized_pnl: "12.34", unrealized_pnl_percent: "1.5" } }));
    expect(await within(tr).findByText("+1.50 % (+12.34)")).toBeInTheDocument();
    expect(fetch).toHaveBeenCalledTimes(1); // no refetch: the event carried the values
    expect(client.getQueryState(keys.positions({ open: "true", page_size: "100" }))?.isInvalidated).toBe(false);
  });

  it("turns the address's filters into the API's", () => {
    expect(toApiFilters(new URLSearchParams(""))).toEqual({ open: "true" });
    expect(toApiFilters(new URLSearchParams("status=closed_or_failed&symbol=ETHUSDT"))).toEqual({ open: "false", symbol: "ETHUSDT" });
    expect(toApiFilters(new URLSearchParams("status=all&timeframe=60"))).toEqual({ timeframe: "60" });
    expect(toApiFilters(new URLSearchParams("status=closing"))).toEqual({ status: "closing" });
  });
});
