// Notification levels: their order, their words, and which are loud enough for a toast.
import type { Channel, Category, NotificationLevel } from "./types";

export const LEVELS: NotificationLevel[] = ["info", "warning", "error", "critical"];

export const LEVEL_LABELS: Record<NotificationLevel, string> = {
  info: "Info",
  warning: "Warning",
  error: "Error",
  critical: "Critical",
};

/** The minimum-level choices, read as "this level and above". */
export const MIN_LEVEL_OPTIONS = LEVELS.map((level) => ({
  value: level,
  label: level === "critical" ? "Critical only" : `${LEVEL_LABELS[level]} and above`,
}));

export const CHANNELS: Channel[] = ["in_app", "email", "telegram"];
export const CHANNEL_LABELS: Record<Channel, string> = { in_app: "In-app", email: "E-mail", telegram: "Telegram" };

export const CATEGORIES: Category[] = ["trading", "service", "system", "admin"];
export const CATEGORY_LABELS: Record<Category, string> = {
  trading: "Trading",
  service: "Trading service",
  system: "Exchanges and market data",
  admin: "Administration",
};

/** An unknown level (a newer server) reads as info rather than breaking the page. */
export function levelOf(value: unknown): NotificationLevel {
  return LEVELS.includes(value as NotificationLevel) ? (value as NotificationLevel) : "info";
}

export function isAtLeast(level: unknown, floor: NotificationLevel): boolean {
  return LEVELS.indexOf(levelOf(level)) >= LEVELS.indexOf(floor);
}
