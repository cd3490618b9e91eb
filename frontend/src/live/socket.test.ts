import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backoffDelay, LiveSocket, type ConnectionState, type LiveEvent } from "./socket";

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close(code = 1000) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  message(body: unknown) {
    this.onmessage?.({ data: JSON.stringify(body) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

function setup(overrides: { token?: () => string | null; refresh?: (stale: string | null) => Promise<string | null> } = {}) {
  const states: ConnectionState[] = [];
  const events: LiveEvent[] = [];
  const reconnected = vi.fn();
  const ended = vi.fn();
  const socket = new LiveSocket({
    token: overrides.token ?? (() => "t1"),
    refresh: overrides.refresh ?? (async () => "t2"),
    onEvent: (event) => events.push(event),
    onState: (state) => states.push(state),
    onReconnected: reconnected,
    onSessionEnded: ended,
    url: (token) => `ws://test/ws/events/?token=${token}`,
    WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
    random: () => 0.5,
    pingMs: 1000,
  });
  return { socket, states, events, reconnected, ended };
}

describe("the live-events socket", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.all = [];
  });
  afterEach(() => vi.useRealTimers());

  it("backs off exponentially up to 30 seconds", () => {
    expect([0, 1, 2, 3, 4, 5, 10].map((n) => backoffDelay(n, () => 0.5))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(backoffDelay(0, () => 0)).toBe(750);
    expect(backoffDelay(0, () => 1)).toBe(1250);
  });

  it("connects with the token, delivers events, ignores pongs and pings while open", () => {
    const { socket, states, events } = setup();
    socket.start();
    const ws = FakeSocket.all[0]!;
    expect(ws.url).toBe("ws://test/ws/events/?token=t1");
    expect(states).toEqual(["connecting"]);
    ws.open();
    expect(states.at(-1)).toBe("open");
    ws.message({ type: "pong" });
    ws.message({ type: "position.updated", data: { id: "g1" }, ts: "x" });
    expect(events).toEqual([{ type: "position.updated", data: { id: "g1" }, ts: "x" }]);
    vi.advanceTimersByTime(1000);
    expect(ws.sent).toEqual([JSON.stringify({ type: "ping" })]);
    socket.stop();
  });

  it("reconnects after a drop with backoff and asks for a refetch once back", () => {
    const { socket, states, reconnected } = setup();
    socket.start();
    FakeSocket.all[0]!.open();
    FakeSocket.all[0]!.drop();
    expect(states.at(-1)).toBe("reconnecting");
    vi.advanceTimersByTime(999);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.drop(); // fails again: the wait doubles
    vi.advanceTimersByTime(1999);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    FakeSocket.all[2]!.open();
    expect(states.at(-1)).toBe("open");
    expect(reconnected).toHaveBeenCalledTimes(1);
    socket.stop();
  });

  it("sends what the page watches when it changes and again on every reconnect", () => {
    const { socket } = setup();
    socket.watch("positions", ["g1"]); // before the socket is open: kept for the open
    socket.start();
    FakeSocket.all[0]!.open();
    const watches = (ws: FakeSocket) => ws.sent.filter((m) => m.includes('"watch"')).map((m) => JSON.parse(m));
    expect(watches(FakeSocket.all[0]!)).toEqual([{ type: "watch", kind: "positions", ids: ["g1"] }]);
    socket.watch("positions", ["g1"]); // unchanged: nothing sent
    socket.watch("positions", ["g1", "g2"]);
    expect(watches(FakeSocket.all[0]!)).toHaveLength(2);
    FakeSocket.all[0]!.drop();
    vi.advanceTimersByTime(1000);
    FakeSocket.all[1]!.open();
    expect(watches(FakeSocket.all[1]!)).toEqual([{ type: "watch", kind: "positions", ids: ["g1", "g2"] }]);
    socket.watch("positions", []);
    expect(watches(FakeSocket.all[1]!).at(-1)).toEqual({ type: "watch", kind: "positions", ids: [] });
    socket.stop();
  });

  it("on 4401 refreshes the token and reconnects with the new one", async () => {
    let token = "t1";
    const refresh = vi.fn(async () => {
      token = "t2";
      return "t2";
    });
    const { socket } = setup({ token: () => token, refresh });
    socket.start();
    FakeSocket.all[0]!.drop(4401);
    expect(refresh).toHaveBeenCalledWith("t1");
    await vi.runOnlyPendingTimersAsync();
    expect(FakeSocket.all[1]?.url).toContain("token=t2");
    socket.stop();
  });

  it("on 4401 with no way to refresh, goes offline and reports the ended session", async () => {
    const { socket, states, ended } = setup({ refresh: async () => null });
    socket.start();
    FakeSocket.all[0]!.drop(4401);
    await vi.runOnlyPendingTimersAsync();
    expect(states.at(-1)).toBe("offline");
    expect(ended).toHaveBeenCalled();
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("stop() closes the socket and nothing reconnects", () => {
    const { socket } = setup();
    socket.start();
    FakeSocket.all[0]!.open();
    socket.stop();
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
  });
});
