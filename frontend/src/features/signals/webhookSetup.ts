// The Webhook setup page's pure parts: the template as text, the secret masked in it, and what a
// test alert's answer means to the trader.
import type { AlertTestResult, SignalDetail } from "@/api/types";

export type Kind = "strategy" | "entry" | "exit";

const DOTS = "•".repeat(12);

/** The message as the trader pastes it: the JSON the server built, two-space indented. */
export function templateText(template: unknown): string {
  return template ? JSON.stringify(template, null, 2) : "";
}

/** `text` with every occurrence of the secret shown as dots (a secret shorter than 8 is not searched). */
export function maskSecret(text: string, secret: string): string {
  if (!secret || secret.length < 8) return text === secret ? DOTS : text;
  return text.split(secret).join(DOTS);
}

export interface Verdict {
  color: "green" | "red" | "yellow" | "blue" | "gray";
  title: string;
  detail?: string;
  field?: string;
  pending?: boolean;
  signalId?: string;
  positionId?: string;
}

interface RefusalBody {
  detail?: string;
  code?: string;
  errors?: Record<string, string[]>;
  signal_id?: string | null;
  classification?: string;
}

const CLASSIFIED: Record<string, string> = {
  entry: "opened a new position",
  pyramid: "added a pyramid to the open position",
  exit: "closed the position",
  reduce: "reduced the position",
  reverse: "reversed the position",
};

/** What happened to a test alert: the webhook's answer, then the engine's outcome once known. */
export function testAlertVerdict(result: AlertTestResult, signal: SignalDetail | null): Verdict {
  const body = (result.response ?? {}) as RefusalBody;
  const signalId = signal?.id ?? result.signal?.id ?? body.signal_id ?? undefined;
  if (result.http_status === 429) return { color: "red", title: "Too many alerts: rate limited", detail: body.detail, signalId };
  if (result.http_status === 401) return { color: "red", title: "Refused: the secret does not match", detail: body.detail };
  if (result.http_status >= 400) {
    const field = Object.keys(body.errors ?? {})[0];
    const reason = field ? (body.errors?.[field] ?? []).join(" ") : body.detail;
    return { color: "red", title: `Refused by the webhook (${body.code ?? result.http_status})`, detail: reason, field, signalId };
  }
  if (result.http_status === 200) return { color: "blue", title: "Duplicate: this alert arrived before and is not traded twice", signalId };
  const current = signal ?? result.signal;
  const outcome = current?.outcome ?? "received";
  const positionId = current?.position_group ?? undefined;
  switch (outcome) {
    case "accepted":
      return { color: "green", title: `Accepted: ${CLASSIFIED[current?.classification ?? ""] ?? "acted on"}`, detail: `${current?.symbol} ${current?.side}`, signalId, positionId };
    case "queued":
      return { color: "yellow", title: "Queued: waiting for a free position slot", detail: current?.reason, signalId };
    case "refused":
    case "stale":
      return { color: "red", title: "Refused by the engine", detail: current?.reason, field: current?.reason_field || undefined, signalId };
    case "duplicate":
      return { color: "blue", title: "Duplicate within this candle: ignored", detail: current?.reason, signalId };
    default:
      return { color: "gray", title: "Accepted by the webhook; the engine is acting on it…", pending: true, signalId };
  }
}
