// The preferences form's draft and what it sends (pure, tested). Times travel as "HH:MM" (the
// server may answer "HH:MM:SS"); an empty quiet-hours or summary time is null, i.e. off.
import { ApiError } from "@/api/client";
import type { Channel, ChannelSwitches, NotificationLevel, Preferences, PreferencesInput } from "./types";

export interface Draft {
  email_enabled: boolean;
  email_address: string;
  telegram_enabled: boolean;
  types: Record<string, ChannelSwitches>;
  min_level: Record<Channel, NotificationLevel>;
  quiet_enabled: boolean;
  quiet_hours_start: string;
  quiet_hours_end: string;
  timezone: string;
  critical_through_quiet: boolean;
  summary_enabled: boolean;
  daily_summary_time: string;
}

/** The fields the form shows, as the server names them in its errors. */
export const FORM_FIELDS = [
  "email_enabled",
  "email_address",
  "telegram_enabled",
  "telegram_chat_id",
  "types",
  "min_level",
  "quiet_hours_start",
  "quiet_hours_end",
  "timezone",
  "critical_through_quiet",
  "daily_summary_time",
];

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

export function hhmm(value: string | null | undefined): string {
  return value ? value.slice(0, 5) : "";
}

export function toDraft(prefs: Preferences): Draft {
  const types: Record<string, ChannelSwitches> = {};
  for (const [type, switches] of Object.entries(prefs.types ?? {})) types[type] = { ...switches };
  return {
    email_enabled: prefs.email_enabled,
    email_address: prefs.email_address ?? "",
    telegram_enabled: prefs.telegram_enabled,
    types,
    min_level: { ...prefs.min_level },
    quiet_enabled: Boolean(prefs.quiet_hours_start && prefs.quiet_hours_end),
    quiet_hours_start: hhmm(prefs.quiet_hours_start) || "22:00",
    quiet_hours_end: hhmm(prefs.quiet_hours_end) || "07:00",
    timezone: prefs.timezone || "UTC",
    critical_through_quiet: prefs.critical_through_quiet,
    summary_enabled: Boolean(prefs.daily_summary_time),
    daily_summary_time: hhmm(prefs.daily_summary_time) || "18:30",
  };
}

/** What PUT sends for the draft, or the fields to fix first (nothing is sent then). The chat id
 * is left out: only the link flow sets it, and sending a stale null would unlink a chat linked
 * since the page was read. */
export function inputFrom(draft: Draft): { input: PreferencesInput; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  if (draft.quiet_enabled) {
    if (!TIME.test(draft.quiet_hours_start)) errors.quiet_hours_start = "A time, e.g. 22:00.";
    if (!TIME.test(draft.quiet_hours_end)) errors.quiet_hours_end = "A time, e.g. 07:00.";
    if (!errors.quiet_hours_start && draft.quiet_hours_start === draft.quiet_hours_end) errors.quiet_hours_end = "Must differ from the start.";
  }
  if (draft.summary_enabled && !TIME.test(draft.daily_summary_time)) errors.daily_summary_time = "A time, e.g. 18:30.";
  if (!draft.timezone.trim()) errors.timezone = "Choose your time zone.";
  return {
    input: {
      email_enabled: draft.email_enabled,
      email_address: draft.email_address.trim(),
      telegram_enabled: draft.telegram_enabled,
      types: draft.types,
      min_level: draft.min_level,
      quiet_hours_start: draft.quiet_enabled ? draft.quiet_hours_start : null,
      quiet_hours_end: draft.quiet_enabled ? draft.quiet_hours_end : null,
      timezone: draft.timezone.trim(),
      critical_through_quiet: draft.critical_through_quiet,
      daily_summary_time: draft.summary_enabled ? draft.daily_summary_time : null,
    },
    errors,
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function isDirty(draft: Draft, prefs: Preferences): boolean {
  return !same(draft, toDraft(prefs));
}

/** The server's preferences changed under the form (the Telegram link landed, another tab saved):
 * what the user has not touched follows the server, what they changed stays theirs. */
export function rebase(draft: Draft, before: Draft, after: Draft): Draft {
  const out = { ...draft } as Record<keyof Draft, unknown>;
  for (const key of Object.keys(after) as (keyof Draft)[]) {
    if (same(draft[key], before[key])) out[key] = after[key];
  }
  return out as unknown as Draft;
}

/** Every message the server gave for `prefix` or a field under it ("types.leg_filled.email"). */
export function errorsUnder(error: unknown, prefix: string): string[] {
  if (!(error instanceof ApiError)) return [];
  return Object.entries(error.fieldErrors)
    .filter(([field]) => field === prefix || field.startsWith(`${prefix}.`))
    .flatMap(([, messages]) => messages);
}
