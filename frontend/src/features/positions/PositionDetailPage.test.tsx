import { screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeAuth } from "@/auth/tokens";
import { detail } from "@/test/fixtures";
import { jsonResponse, renderPage, USER } from "@/test/render";
import type { ChartCandle, ChartLine, PriceFormat } from "./chartModel";
import PositionDetailPage from "./PositionDetailPage";

// jsdom has no canvas: the chart shows what it was given instead of drawing it.
vi.mock("./PositionChart", () => ({
  PositionChart: ({ candles, lines, format }: { candles: ChartCandle[]; lines: ChartLine[]; format: PriceFormat }) => (
    <div data-testid="position-chart" data-candles={candles.length} data-precision={format.precision} data-lines={lines.map((l) => l.title).join("|")} data-last={candles.at(-1)?.close} />
  ),
}));

const CANDLES = {
  exchange: "simulator",
  symbol: "BTC/USDT",
  timeframe: "1h",
  tick_size: "0.0001",
  amount_step: "0.00001",
  candles: [
    { time: 1772355600, open: "99.5", high: "100.2", low: "99.1", close: "100", volume: "3" },
    { time: 1772359200, open: "100", high: "100.4", low: "99.8", close: "100.1", volume: "2" },
  ],
};

function serve(candles: () => Response) {
  const fetch = vi.fn(async (url: string) => (String(url).includes("market/candles") ? candles() : jsonResponse(detail({ tp_mode: "per_leg", status: "closed", closed_at: "2026-03-01T12:00:00Z" }))));
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

beforeEach(() => writeAuth({ access: "a", refresh: "r", user: USER }));
afterEach(() => vi.unstubAllGlobals());

describe("the position detail page", () => {
  it("charts the exchange's candles for the position's account, symbol and timeframe, priced to the tick", async () => {
    const fetch = serve(() => jsonResponse(CANDLES));
    renderPage(<PositionDetailPage />, { path: "/positions/g1", route: "/positions/:id" });

    const chart = await screen.findByTestId("position-chart");
    await waitFor(() => expect(chart.dataset.candles).toBe("2"));
    expect(chart.dataset.precision).toBe("4");
    expect(chart.dataset.lines).toBe("Avg entry");
    expect(screen.getByTestId("legs-table")).toBeInTheDocument();
    const asked = new URL(String(fetch.mock.calls.find(([url]) => String(url).includes("market/candles"))?.[0]), "http://x");
    expect(Object.fromEntries(asked.searchParams)).toMatchObject({ account: "a1", symbol: "BTC/USDT", timeframe: "1h" });
    expect(Number(asked.searchParams.get("since"))).toBeLessThan(Date.parse("2026-03-01T10:00:00Z"));
  });

  it("still shows the position when the candles cannot be loaded", async () => {
    serve(() => jsonResponse({ detail: "Invalid input.", code: "invalid", errors: { symbol: ["simulator has no market BTC/USDT."] } }, 400));
    renderPage(<PositionDetailPage />, { path: "/positions/g1", route: "/positions/:id" });

    expect(await screen.findByText("The exchange's candles could not be loaded")).toBeInTheDocument();
    expect(screen.getByTestId("legs-table")).toBeInTheDocument();
    expect(screen.getByTestId("position-chart").dataset.candles).toBe("0");
  });
});
