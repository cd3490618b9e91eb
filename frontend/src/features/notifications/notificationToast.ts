// Which live notifications pop up as a toast, and how (pure, tested): warning and above, since
// info (a leg filled, a service started) would bury the page under toasts in a busy tick; the
// bell counts those.
import { isAtLeast, levelOf } from "./levels";
import { appPath } from "./notificationView";

/** Types whose own live event already raises a toast (signal.received, risk.action): the
 * notification would say the same thing twice. */
export const TOASTED_BY_THEIR_OWN_EVENT = new Set(["signal_refused", "signal_queued", "risk_action"]);

export interface NotificationToast {
  /** The toast's: one per notification, however often the event arrives. */
  id: string;
  notificationId: string;
  color: "blue" | "yellow" | "red" | "grape";
  title: string;
  message: string;
  /** A path in the web app, or null. */
  href: string | null;
  /** Critical ones stay until dismissed. */
  autoClose: number | false;
  level: "warning" | "error";
}

const COLORS = { info: "blue", warning: "yellow", error: "red", critical: "grape" } as const;

export function notificationToast(data: Record<string, unknown>): NotificationToast | null {
  const id = String(data.id ?? "");
  const level = levelOf(data.level);
  if (!id || !isAtLeast(level, "warning") || TOASTED_BY_THEIR_OWN_EVENT.has(String(data.type ?? ""))) return null;
  return {
    id: `notification:${id}`,
    notificationId: id,
    color: COLORS[level],
    title: String(data.title || "Notification"),
    message: String(data.message ?? ""),
    href: appPath(data.link),
    autoClose: level === "critical" ? false : 10_000,
    level: level === "warning" ? "warning" : "error",
  };
}
