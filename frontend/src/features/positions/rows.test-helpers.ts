// Rows for the positions and deals tables: the shared fixture, open a minute or closed by hand.
import { vi } from "vitest";
import type { Position } from "@/api/types";
import { position } from "@/test/fixtures";

export function row(overrides: Partial<Position> = {}): Position {
  return position({ duration_seconds: 60, ...overrides });
}

export function closedRow(overrides: Partial<Position> = {}): Position {
  return row({
    status: "closed",
    avg_entry: "60000",
    invested: "600",
    current_price: null,
    exit_price: "61000",
    realized_pnl: "8.79",
    realized_pnl_percent: "1.47",
    fees: "1.21",
    close_reason: "manual",
    exit_reason: "manual",
    exit_reason_label: "By hand",
    closed_at: "2026-03-01T13:12:00Z",
    duration_seconds: 3 * 3600 + 12 * 60,
    ...overrides,
  });
}

export function page(results: Position[], count = results.length) {
  return { count, next: null, previous: null, results };
}

/** The window as a phone's (under 576 px) for the tables' card layout. */
export function onPhone(): void {
  vi.stubGlobal("matchMedia", (query: string) => ({
    matches: query === "(max-width: 575px)",
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  }));
}
