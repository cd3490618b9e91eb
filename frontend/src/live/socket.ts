// One WebSocket to /ws/events/ per tab: connects with the access token, pings every 25 s,
// reconnects with exponential backoff (1 s doubling to 30 s, with jitter), and on close code
// 4401 (token expired or session ended) refreshes the token first, or gives up for a new login.
// `watch(kind, ids)` tells the server what the open page shows (live marks between the
// monitors' ticks); the lists are sent again on every (re)connect.

export type ConnectionState = "connecting" | "open" | "reconnecting" | "offline";

export interface LiveEvent {
  type: string;
  data: Record<string, unknown>;
  ts?: string;
}

export interface LiveSocketOptions {
  token: () => string | null;
  refresh: (stale: string | null) => Promise<string | null>;
  onEvent: (event: LiveEvent) => void;
  onState: (state: ConnectionState) => void;
  /** After a reconnect: events may have been missed, so the caller refetches. */
  onReconnected?: () => void;
  onSessionEnded?: () => void;
  url?: (token: string) => string;
  WebSocketImpl?: typeof WebSocket;
  pingMs?: number;
  random?: () => number;
}

export const CLOSE_UNAUTHENTICATED = 4401;
const MAX_BACKOFF_MS = 30_000;

export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.75 + random() * 0.5));
}

function defaultUrl(token: string): string {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${window.location.host}/ws/events/?token=${encodeURIComponent(token)}`;
}

export class LiveSocket {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private everOpened = false;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private readonly watching = new Map<string, string[]>();
  private readonly opts: LiveSocketOptions;

  constructor(opts: LiveSocketOptions) {
    this.opts = opts;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= 1) ws.close(1000);
  }

  /** What the page shows of `kind` now (an empty list stops it). */
  watch(kind: string, ids: string[]): void {
    const before = this.watching.get(kind) ?? [];
    if (before.length === ids.length && before.every((id, i) => id === ids[i])) return;
    if (ids.length) this.watching.set(kind, ids);
    else this.watching.delete(kind);
    this.sendWatch(kind, ids);
  }

  private sendWatch(kind: string, ids: string[]): void {
    if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify({ type: "watch", kind, ids }));
  }

  /** Reconnect now (the browser came back online, the tab became visible). */
  nudge(): void {
    if (this.stopped || (this.ws && this.ws.readyState <= 1)) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.retryTimer = null;
    this.pingTimer = null;
  }

  private connect(): void {
    const token = this.opts.token();
    if (!token) {
      this.opts.onState("offline");
      return;
    }
    this.opts.onState(this.everOpened ? "reconnecting" : "connecting");
    const Impl = this.opts.WebSocketImpl ?? WebSocket;
    const ws = new Impl((this.opts.url ?? defaultUrl)(token));
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      const wasReconnect = this.everOpened;
      this.attempt = 0;
      this.everOpened = true;
      this.opts.onState("open");
      this.pingTimer = setInterval(() => {
        if (ws.readyState === 1) ws.send(JSON.stringify({ type: "ping" }));
      }, this.opts.pingMs ?? 25_000);
      for (const [kind, ids] of this.watching) this.sendWatch(kind, ids);
      if (wasReconnect) this.opts.onReconnected?.();
    };
    ws.onmessage = (message: MessageEvent) => {
      if (this.ws !== ws || typeof message.data !== "string") return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(message.data);
      } catch {
        return;
      }
      if (parsed && typeof parsed === "object" && "type" in parsed) {
        const event = parsed as LiveEvent;
        if (event.type === "pong") return;
        this.opts.onEvent({ ...event, data: event.data ?? {} });
      }
    };
    ws.onclose = (close: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.clearTimers();
      if (this.stopped) return;
      if (close.code === CLOSE_UNAUTHENTICATED) {
        void this.opts.refresh(token).then(
          (fresh) => {
            if (this.stopped) return;
            if (fresh) this.schedule(0);
            else {
              this.opts.onState("offline");
              this.opts.onSessionEnded?.();
            }
          },
          () => this.schedule(),
        );
        return;
      }
      this.schedule();
    };
  }

  private schedule(delay?: number): void {
    if (this.stopped) return;
    this.opts.onState("reconnecting");
    const wait = delay ?? backoffDelay(this.attempt, this.opts.random);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, wait);
  }
}
