import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Signal, SignalDetail } from "@/api/types";
import { writeAuth } from "@/auth/tokens";
import { applyEvent } from "@/live/applyEvent";
import { jsonResponse, renderPage, USER } from "@/test/render";
import SignalDetailPage from "./SignalDetailPage";
import SignalsPage from "./SignalsPage";
import { periodStart, signalsQuery, signalToast } from "./signalView";

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

const REFUSED = signal({
  id: "s2",
  status: "rejected",
  outcome: "refused",
  classification: "",
  reason: "tv.symbol: there is no DCA configuration for ETH/USDT 1h",
  reason_code: "no_dca_config",
  reason_field: "tv.symbol",
  symbol: "ETH/USDT",
  position_group: null,
});

const page = (results: Signal[], count = results.length) => jsonResponse({ count, next: null, previous: null, results });
const urls = (fetch: ReturnType<typeof vi.fn>) => fetch.mock.calls.map((call) => new URL(String(call[0]), "http://x"));

describe("the signals page", () => {
  it("shows each signal's outcome, the refusal with its field, and the position it opened", async () => {
    const fetch = vi.fn(async (_url: string) => page([REFUSED, signal({})]));
    vi.stubGlobal("fetch", fetch);
    renderPage(<SignalsPage />, { path: "/signals", route: "/signals" });
    const table = await screen.findByRole("table", { name: "Signals" });
    const refusedRow = within(table).getByText("ETH/USDT").closest("tr")!;
    expect(within(refusedRow).getByText("refused")).toBeInTheDocument();
    expect(within(refusedRow).getByText("tv.symbol").tagName).toBe("CODE");
    expect(within(refusedRow).getByText("there is no DCA configuration for ETH/USDT 1h")).toBeInTheDocument();
    expect(within(refusedRow).getByRole("link", { name: /12\/5\/2026|2026/ })).toHaveAttribute("href", "/signals/s2");
    expect(within(refusedRow).queryByRole("link", { name: /position/ })).toBeNull();
    const acceptedRow = within(table).getByText("BTC/USDT").closest("tr")!;
    expect(within(acceptedRow).getByText("accepted")).toBeInTheDocument();
    expect(within(acceptedRow).getByText("entry")).toBeInTheDocument();
    expect(within(acceptedRow).getByRole("link", { name: "View the BTC/USDT position" })).toHaveAttribute("href", "/positions/g1");
    const sent = urls(fetch)[0]!;
    expect(sent.pathname).toBe("/api/v1/signals");
    expect(sent.searchParams.get("page_size")).toBe("50");
  });

  it("opens a signal's page when its row is clicked", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => page([REFUSED])));
    renderPage(<SignalsPage />, { path: "/signals", route: "/signals", extra: { "/signals/:id": <p>signal page</p> } });
    await userEvent.click(await screen.findByText("ETH/USDT"));
    expect(await screen.findByText("signal page")).toBeInTheDocument();
  });

  it("tells a new trader how to send the first alert, and refetches when a live signal event arrives", async () => {
    const fetch = vi.fn(async () => page([]));
    vi.stubGlobal("fetch", fetch);
    const { client } = renderPage(<SignalsPage />, { path: "/signals", route: "/signals" });
    const empty = await screen.findByTestId("signals-empty");
    expect(empty).toHaveTextContent("No signal yet.");
    expect(within(empty).getByRole("link", { name: "Webhook setup" })).toHaveAttribute("href", "/webhook");
    fetch.mockImplementation(async () => page([signal({})]));
    act(() => applyEvent(client, { type: "signal.received", data: { id: "s1", outcome: "accepted" } }));
    expect(await screen.findByText("BTC/USDT")).toBeInTheDocument();
  });

  it("reads its filters from the address, sends them to the API, and offers to clear them when nothing matches", async () => {
    const fetch = vi.fn(async (_url: string) => page([]));
    vi.stubGlobal("fetch", fetch);
    renderPage(<SignalsPage />, { path: "/signals?status=rejected&period=24h&symbol=ETHUSDT&intent_type=exit", route: "/signals" });
    const empty = await screen.findByTestId("signals-empty");
    expect(empty).toHaveTextContent("No signal matches these filters.");
    const sent = urls(fetch)[0]!.searchParams;
    expect(sent.get("status")).toBe("rejected");
    expect(sent.get("outcome")).toBeNull();
    expect(sent.get("symbol")).toBe("ETHUSDT");
    expect(sent.get("intent_type")).toBe("exit");
    expect(Date.now() - Date.parse(sent.get("received_after")!)).toBeGreaterThan(23.9 * 3600_000);
    expect(screen.getByRole("textbox", { name: "Outcome" })).toHaveValue("Refused or stale");
    expect(screen.getByRole("textbox", { name: "Received" })).toHaveValue("Last 24 hours");

    await userEvent.click(within(empty).getByRole("button", { name: "Clear the filters" }));
    await waitFor(() => expect(urls(fetch).at(-1)!.search).toBe("?page=1&page_size=50"));
    expect(screen.getByRole("textbox", { name: "Symbol" })).toHaveValue("");
  });

  it("filters on a symbol once typing pauses, from the first page", async () => {
    const fetch = vi.fn(async (_url: string) => page([signal({})], 120));
    vi.stubGlobal("fetch", fetch);
    renderPage(<SignalsPage />, { path: "/signals?page=3", route: "/signals" });
    await screen.findByText("120 signals");
    expect(urls(fetch)[0]!.searchParams.get("page")).toBe("3");
    await userEvent.type(screen.getByRole("textbox", { name: "Symbol" }), "ethusdt");
    await waitFor(() => expect(urls(fetch).at(-1)!.searchParams.get("symbol")).toBe("ethusdt"));
    expect(urls(fetch).at(-1)!.searchParams.get("page")).toBe("1");
  });
});

describe("the signal's page", () => {
  it("shows every field, the masked body pretty-printed and what Tradefleet read", async () => {
    const detail: SignalDetail = {
      ...signal({ id: "s3" }),
      account: "a1",
      source: "tradingview",
      raw_body: '{"secret":"***","tv":{"symbol":"BTCUSDT"}}',
      parsed: { symbol: "BTC/USDT", intent_type: "signal" },
    } as SignalDetail;
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) =>
        String(url).includes("/keys") ? page([{ id: "a1", label: "main", exchange: "simulator", is_validated: true } as never]) : jsonResponse(detail),
      ),
    );
    renderPage(<SignalDetailPage />, { path: "/signals/s3", route: "/signals/:id" });
    const body = await screen.findByTestId("signal-raw-body");
    expect(body.textContent).toBe('{\n  "secret": "***",\n  "tv": {\n    "symbol": "BTCUSDT"\n  }\n}');
    expect(screen.getByText(/"intent_type": "signal"/)).toBeInTheDocument();
    expect(screen.getByText("accepted")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Open the position" })).toHaveAttribute("href", "/positions/g1");
    expect(await screen.findByText("main (simulator)")).toBeInTheDocument();
  });

  it("shows why a refused signal was refused, with its field", async () => {
    const detail = { ...REFUSED, account: null, source: "tradingview", raw_body: "not json", parsed: {} } as SignalDetail;
    vi.stubGlobal("fetch", vi.fn(async (url: string) => (String(url).includes("/keys") ? page([]) : jsonResponse(detail))));
    renderPage(<SignalDetailPage />, { path: "/signals/s2", route: "/signals/:id" });
    const reason = await screen.findByTestId("signal-reason");
    expect(within(reason).getByText("tv.symbol")).toBeInTheDocument();
    expect(reason).toHaveTextContent("there is no DCA configuration for ETH/USDT 1h");
    expect(screen.getByTestId("signal-raw-body")).toHaveTextContent("not json");
    expect(screen.getByText("— (refused before it could be read)")).toBeInTheDocument();
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
    expect(signalToast({ id: "s4", outcome: "queued", symbol: "BTC/USDT", reason: "pool full" })).toMatchObject({ color: "yellow", title: "Signal queued: BTC/USDT", message: "pool full" });
    expect(signalToast({ id: "s5", outcome: "accepted" })).toBeNull();
    expect(signalToast({ id: "s6", outcome: "duplicate" })).toBeNull();
    expect(signalToast({ outcome: "refused", reason: "no id" })).toBeNull();
  });
});

describe("the page's address as the API's query", () => {
  it("asks for every refusal, or one outcome, and a period from now", () => {
    const now = Date.parse("2026-12-05T12:00:00Z");
    expect(periodStart("24h", now)).toBe("2026-12-04T12:00:00.000Z");
    expect(periodStart(null, now)).toBeNull();
    expect(periodStart("forever", now)).toBeNull();
    expect(signalsQuery(new URLSearchParams("status=rejected&outcome=queued"), null, 1, 50)).toMatchObject({ status: "rejected", outcome: null });
    expect(signalsQuery(new URLSearchParams("outcome=stale&symbol=%20BTCUSDT%20"), "2026-12-04T12:00:00.000Z", 2, 50)).toEqual({
      outcome: "stale",
      status: null,
      intent_type: null,
      symbol: "BTCUSDT",
      received_after: "2026-12-04T12:00:00.000Z",
      page: 2,
      page_size: 50,
    });
    expect(signalsQuery(new URLSearchParams("received_after=2026-12-01T00:00:00Z"), "2026-12-04T12:00:00.000Z", 1, 50).received_after).toBe("2026-12-01T00:00:00Z");
  });
});
