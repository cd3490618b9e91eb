import type { components } from "@/api/schema";
import type { Performance } from "@/api/types";

export type CurrencyTotals = components["schemas"]["CurrencyTotals"];

const EMPTY = { realized_pnl: "0", completed_deals: 0, unrealized_pnl: "0", open_groups: 0, profit_today: "0", completed_today: 0 };

/** The totals of every quote currency, the summary's own currency first (amounts in different
 * quotes are never added together); a user without any group gets one zero row in theirs. */
export function currencyRows(performance: Performance | undefined): CurrencyTotals[] {
  if (!performance) return [];
  const rows = performance.by_currency ?? [];
  if (!rows.length) return [{ currency: performance.currency, ...EMPTY }];
  // The live price marks move the summary's own unrealized total (src/live/applyEvent.ts): the
  // main currency's row takes it, so the card moves with the prices between two fetches.
  const main = rows.filter((row) => row.currency === performance.currency).map((row) => ({ ...row, unrealized_pnl: performance.unrealized_pnl }));
  return [...main, ...rows.filter((row) => row.currency !== performance.currency)];
}

/** "00:00 UTC": when the server's "today" began, as the card says it. */
export function todayLabel(performance: Performance | undefined): string {
  const start = performance?.today_start;
  if (!start) return "since 00:00 UTC";
  const day = new Date(start).toISOString().slice(0, 10);
  return `since 00:00 UTC (${day})`;
}
