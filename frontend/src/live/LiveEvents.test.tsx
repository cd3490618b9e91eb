import { MantineProvider } from "@mantine/core";
import { Notifications, notifications } from "@mantine/notifications";
import { QueryClientProvider } from "@tanstack/react-query";
import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryRouter, Route, Routes, useParams } from "react-router";
import { testClient } from "@/test/render";
import { LiveEventsProvider, useLiveState, useWatchPositions } from "./LiveEvents";
import type { LiveEvent, LiveSocketOptions } from "./socket";

// The provider's socket, replaced by one whose events the test sends.
const sockets: LiveSocketOptions[] = [];
const watched: Array<[string, string[]]> = [];
vi.mock("./socket", () => ({
  LiveSocket: class {
    constructor(options: LiveSocketOptions) {
      sockets.push(options);
    }
    start() {}
    stop() {}
    nudge() {}
    watch(kind: string, ids: string[]) {
      watched.push([kind, ids]);
    }
  },
}));

afterEach(() => {
  sockets.length = 0;
  watched.length = 0;
  act(() => notifications.clean());
});

function SignalPage() {
  return <p>signal page {useParams().id}</p>;
}

function AlertCount() {
  const { alerts } = useLiveState();
  return <p data-testid="alerts">{alerts.map((a) => a.message).join(" | ")}</p>;
}

function renderLive() {
  render(
    <MantineProvider>
      <Notifications />
      <QueryClientProvider client={testClient()}>
        <MemoryRouter initialEntries={["/"]}>
          <LiveEventsProvider onSessionEnded={() => {}}>
            <Routes>
              <Route path="/" element={<AlertCount />} />
              <Route path="/signals/:id" element={<SignalPage />} />
            </Routes>
          </LiveEventsProvider>
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
  const send = (event: LiveEvent) => act(() => sockets.at(-1)!.onEvent(event));
  return { send };
}

describe("a live signal event, on any page", () => {
  it("raises a red toast for a refused signal with its reason and field, linking to the signal", async () => {
    const { send } = renderLive();
    send({ type: "signal.received", data: { id: "s2", outcome: "refused", symbol: "ETH/USDT", side: "long", reason: "tv.symbol: no DCA configuration", reason_field: "tv.symbol" } });
    expect(await screen.findByText("Signal refused: ETH/USDT long")).toBeInTheDocument();
    const toast = screen.getByTestId("signal-toast");
    expect(toast).toHaveTextContent("tv.symbol: no DCA configuration");
    expect(screen.getByTestId("alerts")).toHaveTextContent("Signal refused: ETH/USDT long — tv.symbol: no DCA configuration");
    const link = screen.getByRole("link", { name: "See the signal" });
    expect(link).toHaveAttribute("href", "/signals/s2");
    await userEvent.click(link);
    expect(await screen.findByText("signal page s2")).toBeInTheDocument();
  });

  it("raises a toast for a queued signal, and none for an accepted one", async () => {
    const { send } = renderLive();
    send({ type: "signal.received", data: { id: "s1", outcome: "accepted", symbol: "BTC/USDT", side: "long" } });
    send({ type: "signal.received", data: { id: "s4", outcome: "queued", symbol: "SOL/USDT", side: "long", reason: "the pool is full (3 of 3)" } });
    expect(await screen.findByText("Signal queued: SOL/USDT long")).toBeInTheDocument();
    expect(screen.getAllByTestId("signal-toast")).toHaveLength(1);
    expect(screen.queryByText(/BTC\/USDT/)).toBeNull();
  });
});

describe("a live notification, on any page", () => {
  const notice = { id: "n7", type: "key_invalid", level: "error", title: "Your Binance key failed validation", message: "Invalid API-key, IP, or permissions.", link: "/signals/s9", created_at: "2026-12-06T10:00:00Z", unread_count: 4 };

  it("raises a toast for warning and up, linking to what it is about", async () => {
    const { send } = renderLive();
    send({ type: "notification.created", data: notice });
    expect(await screen.findByText("Your Binance key failed validation")).toBeInTheDocument();
    const toast = screen.getByTestId("notification-toast");
    expect(toast).toHaveAttribute("data-notification-id", "n7");
    expect(toast).toHaveTextContent("Invalid API-key, IP, or permissions.");
    expect(screen.getByTestId("alerts")).toHaveTextContent("Your Binance key failed validation — Invalid API-key, IP, or permissions.");
    await userEvent.click(screen.getByRole("link", { name: "See the details" }));
    expect(await screen.findByText("signal page s9")).toBeInTheDocument();
  });

  it("raises none for info, and none for a signal whose own toast already says it", async () => {
    const { send } = renderLive();
    send({ type: "notification.created", data: { ...notice, id: "n8", level: "info", title: "Leg 2 filled" } });
    send({ type: "signal.received", data: { id: "s2", outcome: "refused", symbol: "ETH/USDT", side: "long", reason: "no DCA configuration" } });
    send({ type: "notification.created", data: { ...notice, id: "n9", type: "signal_refused", level: "warning", title: "Signal refused: ETH/USDT long" } });
    expect(await screen.findByTestId("signal-toast")).toBeInTheDocument();
    expect(screen.queryByTestId("notification-toast")).toBeNull();
    expect(screen.queryByText("Leg 2 filled")).toBeNull();
    expect(screen.getByTestId("alerts").textContent?.match(/Signal refused/g)).toHaveLength(1);
  });
});

function Watching({ ids }: { ids: string[] }) {
  useWatchPositions(ids);
  return null;
}

describe("the open positions a page shows", () => {
  it("are watched together while shown, and withdrawn when the page goes", () => {
    const view = (first: boolean, second: boolean) => (
      <MantineProvider>
        <QueryClientProvider client={testClient()}>
          <MemoryRouter>
            <LiveEventsProvider onSessionEnded={() => {}}>
              {first && <Watching ids={["g2", "g1"]} />}
              {second && <Watching ids={["g3", "g1"]} />}
            </LiveEventsProvider>
          </MemoryRouter>
        </QueryClientProvider>
      </MantineProvider>
    );
    const { rerender } = render(view(true, true));
    expect(watched.at(-1)).toEqual(["positions", ["g1", "g2", "g3"]]);
    rerender(view(true, false));
    expect(watched.at(-1)).toEqual(["positions", ["g1", "g2"]]);
    rerender(view(false, false));
    expect(watched.at(-1)).toEqual(["positions", []]);
  });
});
