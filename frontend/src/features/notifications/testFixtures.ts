// Notifications and preferences as the API answers them, for the tests.
import type { CatalogueEntry, Notification, Preferences } from "./types";

export function notificationFixture(change: Partial<Notification> = {}): Notification {
  return {
    id: "n1",
    type: "leg_filled",
    level: "info",
    title: "Leg 2 of BTC/USDT long filled",
    message: "Filled 0.01 at 61,250.",
    link: "/positions/g1",
    data: {},
    read_at: null,
    created_at: "2026-12-06T10:00:00Z",
    ...change,
  };
}

export const CATALOGUE: CatalogueEntry[] = [
  { type: "signal_refused", label: "Signal refused", category: "trading", default_level: "warning", admin_only: false },
  { type: "position_opened", label: "Position opened", category: "trading", default_level: "info", admin_only: false },
  { type: "leg_filled", label: "Leg filled", category: "trading", default_level: "info", admin_only: false },
  { type: "daily_loss_breaker", label: "Daily loss breaker tripped", category: "trading", default_level: "critical", admin_only: false },
  { type: "service_stopped", label: "Service stopped", category: "service", default_level: "warning", admin_only: false },
  { type: "key_invalid", label: "Exchange key failed validation", category: "system", default_level: "error", admin_only: false },
  { type: "ml_job_failed", label: "ML job failed", category: "admin", default_level: "error", admin_only: true },
  { type: "user_locked_out", label: "User locked out", category: "admin", default_level: "warning", admin_only: true },
];

export function preferencesFixture(change: Partial<Preferences> = {}): Preferences {
  const types = Object.fromEntries(CATALOGUE.map((entry) => [entry.type, { in_app: true, email: entry.default_level !== "info", telegram: false }]));
  return {
    email_enabled: true,
    email_address: "trader@example.com",
    telegram_enabled: false,
    telegram_chat_id: null,
    types,
    min_level: { in_app: "info", email: "warning", telegram: "warning" },
    quiet_hours_start: null,
    quiet_hours_end: null,
    timezone: "UTC",
    critical_through_quiet: true,
    daily_summary_time: null,
    catalogue: CATALOGUE,
    ...change,
  };
}
