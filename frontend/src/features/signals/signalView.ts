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
