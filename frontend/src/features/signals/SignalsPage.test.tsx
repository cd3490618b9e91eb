import { act, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Signal } from "@/api/types";
import { writeAuth } from "@/auth/tokens";
import { applyEvent } from "@/live/applyEvent";
import { jsonResponse, renderPage, USER } from "@/test/render";
import SignalsPage from "./SignalsPage";
import { signalToast } from "./signalView";

beforeEach(() => writeAuth({ access: "a", refresh: "r", user: USER }));
afterEach(() => vi.unstubAllGlobals());

function signal(fields: Partial<Signal>): Signal {
  return {
    id: "s1",
    status: "processed",
    outcome: "accepted",
    classification: "entry",
    reason: "",
    reason_code: "",
    reason_field: "",
    exchange: "simulator",
    symbol: "BTC/USDT",
    timeframe: "1h",
    side: "long",
    intent_type: "signal",
    price: "64250.5",
    position_group: "g1",
    sent_at: "2026-12-05T12:00:00Z",
    received_at: "2026-12-05T12:00:01Z",
    processed_at: "2026-12-05T12:00:01Z",
    ...fields,
  } as Signal;
}

const page = (results: Signal[]) => jsonResponse({ count: results.length, next: null, previous: null, results });

describe("the signals page", () => {
  it("shows each signal's outcome, the refusal with its field, and the position it opened", async () => {
    const refused = signal({ id: "s2", status: "rejected", outcome: "refused", classification: "", reason: "tv.symbol: there is no DCA configuration for ETH/USDT 1h", reason_code: "no_dca_config", reason_field: "tv.symbol", symbol: "ETH/USDT", position_group: null });
    vi.stubGlobal("fetch", vi.fn(async () => page([refused, signal({})])));
    renderPage(<SignalsPage />, { path: "/signals", route: "/signals" });
    const table = await screen.findByTestId("signals-table");
    const refusedRow = within(table).getByText("ETH/USDT").closest("tr")!;
    expect(within(refusedRow).getByText("refused")).toBeInTheDocument();
    expect(within(refusedRow).getByText("tv.symbol")).toBeInTheDocument();
    expect(within(refusedRow).getByText("there is no DCA configuration for ETH/USDT 1h")).toBeInTheDocument();
    const acceptedRow = within(table).getByText("BTC/USDT").closest("tr")!;
    expect(within(acceptedRow).getByText("accepted")).toBeInTheDocument();
    expect(within(acceptedRow).getByRole("link", { name: "Open" })).toHaveAttribute("href", "/positions/g1");
  });

  it("refetches when a live signal event arrives", async () => {
    const fetch = vi.fn(async () => page([]));
    vi.stubGlobal("fetch", fetch);
    const { client } = renderPage(<SignalsPage />, { path: "/signals", route: "/signals" });
    expect(await screen.findByTestId("signals-empty")).toHaveTextContent("Webhook setup");
    fetch.mockImplementation(async () => page([signal({})]));
    act(() => applyEvent(client, { type: "signal.received", data: { id: "s1", outcome: "accepted" } }));
    expect(await screen.findByText("BTC/USDT")).toBeInTheDocument();
  });
});

describe("the toast of a live signal", () => {
  it("says why a signal was refused, with its field, and links to it", () => {
    expect(signalToast({ id: "s2", outcome: "refused", symbol: "ETH/USDT", side: "long", reason: "tv.symbol: no DCA configuration", reason_field: "tv.symbol" })).toEqual({
      id: "signal:s2",
      color: "red",
      title: "Signal refused: ETH/USDT long",
      message: "tv.symbol: no DCA configuration",
      signalId: "s2",
    });
    expect(signalToast({ id: "s3", outcome: "stale", reason: "timestamp: too old", reason_field: "timestamp" })?.title).toBe("Signal refused: an alert");
    expect(signalToast({ id: "s4", outcome: "queued", symbol: "BTC/USDT", reason: "pool full" })?.color).toBe("yellow");
    expect(signalToast({ id: "s5", outcome: "accepted" })).toBeNull();
  });
});
