// The notifications API (/api/v1/notifications*, /api/v1/notification-preferences), typed by hand
// until src/api/schema.d.ts is regenerated from the backend's OpenAPI schema.
import type { Page } from "@/api/types";

export type NotificationLevel = "info" | "warning" | "error" | "critical";
export type Channel = "in_app" | "email" | "telegram";
export type Category = "trading" | "service" | "system" | "admin";

export interface Notification {
  id: string;
  type: string;
  level: NotificationLevel;
  title: string;
  message: string;
  /** A path in this web app (`/positions/<id>`), or "" when there is nothing to open. */
  link: string;
  data: Record<string, unknown>;
  /** null while unread. */
  read_at: string | null;
  created_at: string;
}

export type NotificationPage = Page<Notification>;

export interface UnreadCount {
  unread: number;
}

export interface MarkAllResult {
  marked: number;
}

export interface ChannelSwitches {
  in_app: boolean;
  email: boolean;
  telegram: boolean;
}

export interface CatalogueEntry {
  type: string;
  label: string;
  category: Category;
  default_level: NotificationLevel;
  admin_only: boolean;
}

/** What the form's PUT notification-preferences sends: everything GET answers but the catalogue
 * and the chat id (the PUT takes the fields sent; the chat id only goes back as null, to unlink). */
export interface PreferencesInput {
  email_enabled: boolean;
  /** "" sends to the account's own address. */
  email_address: string;
  telegram_enabled: boolean;
  types: Record<string, ChannelSwitches>;
  min_level: Record<Channel, NotificationLevel>;
  /** "22:00", or null for no quiet hours. */
  quiet_hours_start: string | null;
  quiet_hours_end: string | null;
  /** IANA name, e.g. "Asia/Kolkata". */
  timezone: string;
  critical_through_quiet: boolean;
  /** "18:30", or null for no daily summary. */
  daily_summary_time: string | null;
}

export interface Preferences extends PreferencesInput {
  /** Set by the Telegram link flow; null until linked. */
  telegram_chat_id: string | null;
  catalogue: CatalogueEntry[];
}

export type PreferencesUpdate = Partial<PreferencesInput> & { telegram_chat_id?: null };

export interface TestResult {
  sent: boolean;
}

export interface TelegramLink {
  code: string;
  expires_at: string;
  /** https://t.me/<bot>?start=<code> when the server knows its bot's name. */
  bot_url: string | null;
}

/** The data of the live `notification.created` event. */
export interface NotificationCreated {
  id: string;
  type: string;
  level: NotificationLevel;
  title: string;
  message: string;
  link: string;
  created_at: string;
  unread_count: number;
}
