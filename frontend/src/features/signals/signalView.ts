// How a signal reads on the Signals page, in toasts and on the dashboard (pure, tested).
import type { Signal } from "@/api/types";

export type Outcome = Signal["outcome"];

export const OUTCOME_COLORS: Record<Outcome, string> = {
  accepted: "teal",
  received: "blue",
  queued: "yellow",
  refused: "red",
  stale: "orange",
  duplicate: "gray",
};

export const OUTCOME_OPTIONS: { value: Outcome; label: string }[] = [
  { value: "accepted", label: "Accepted" },
  { value: "received", label: "Received (engine not done yet)" },
  { value: "queued", label: "Queued" },
  { value: "refused", label: "Refused" },
  { value: "stale", label: "Stale (too old)" },
  { value: "duplicate", label: "Duplicate" },
];

/** The outcome filter's choices: each outcome, and every refusal at once (status=rejected). */
export const REFUSALS = "rejected";
export const OUTCOME_FILTER_OPTIONS: { value: string; label: string }[] = [
  { value: REFUSALS, label: "Refused or stale" },
  ...OUTCOME_OPTIONS,
];

export const PERIODS: { value: string; label: string; hours: number }[] = [
  { value: "1h", label: "Last hour", hours: 1 },
  { value: "24h", label: "Last 24 hours", hours: 24 },
  { value: "7d", label: "Last 7 days", hours: 24 * 7 },
  { value: "30d", label: "Last 30 days", hours: 24 * 30 },
];

/** When a period of PERIODS starts, as the API's received_after; null for any time. */
export function periodStart(period: string | null, now: number): string | null {
  const found = PERIODS.find((p) => p.value === period);
  return found ? new Date(now - found.hours * 3600_000).toISOString() : null;
}

/**
 * The Signals page's address (`?outcome=refused&period=24h&symbol=...`) as the list's API query.
 * `since` is the start of the period, computed once by the page so the query key stays put.
 */
export function signalsQuery(params: URLSearchParams, since: string | null, page: number, pageSize: number) {
  const outcome = params.get("outcome");
  const refusals = params.get("status") === REFUSALS;
  return {
    outcome: refusals ? null : outcome,
    status: refusals ? REFUSALS : null,
    intent_type: params.get("intent_type"),
    symbol: params.get("symbol")?.trim() || null,
    received_after: params.get("received_after") ?? since,
    page,
    page_size: pageSize,
  };
}

/** The reason without the "field: " prefix the server stores, when the field is known. */
export function reasonText(signal: Pick<Signal, "reason" | "reason_field">): string {
  const field = signal.reason_field;
  if (field && signal.reason.startsWith(`${field}: `)) return signal.reason.slice(field.length + 2);
  return signal.reason;
}

export interface SignalToast {
  id: string;
  color: "red" | "yellow";
  title: string;
  message: string;
  signalId: string;
}

/** A toast for a signal the trader must know about (refused, stale, queued); none otherwise. */
export function signalToast(data: Record<string, unknown>): SignalToast | null {
  const outcome = String(data.outcome ?? "");
  const id = String(data.id ?? "");
  if (!id) return null;
  const what = [data.symbol, data.side].filter(Boolean).join(" ") || "an alert";
  const field = String(data.reason_field ?? "");
  const reason = reasonText({ reason: String(data.reason ?? ""), reason_field: field });
  const detail = field ? `${field}: ${reason}` : reason;
  if (outcome === "refused" || outcome === "stale") {
    return { id: `signal:${id}`, color: "red", title: `Signal refused: ${what}`, message: detail, signalId: id };
  }
  if (outcome === "queued") {
    return { id: `signal:${id}`, color: "yellow", title: `Signal queued: ${what}`, message: detail, signalId: id };
  }
  return null;
}
