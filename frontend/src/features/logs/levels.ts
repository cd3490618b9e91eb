import type { ServiceLog } from "@/api/types";

export const LEVEL_COLORS: Record<string, string> = {
  DEBUG: "gray",
  INFO: "blue",
  WARNING: "yellow",
  ERROR: "red",
  CRITICAL: "grape",
};
export const LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];
export const CATEGORIES = ["TRADING", "RISK", "SYSTEM", "SECURITY", "API"];

export interface LogFilters {
  level: string;
  category: string;
  search: string;
  after: string;
  before: string;
  user_id: string;
}

export const NO_FILTERS: LogFilters = { level: "", category: "", search: "", after: "", before: "", user_id: "" };

/** The API's query for these filters. */
export function logQuery(filters: LogFilters): Record<string, string> {
  const query: Record<string, string> = {};
  if (filters.level) query.level = filters.level;
  if (filters.category) query.category = filters.category;
  if (filters.search.trim()) query.search = filters.search.trim();
  if (filters.after) query.timestamp_after = new Date(filters.after).toISOString();
  if (filters.before) query.timestamp_before = new Date(filters.before).toISOString();
  if (filters.user_id.trim()) query.user_id = filters.user_id.trim();
  return query;
}

/** The same filters as the API's, applied to entries that arrive live. */
export function matchesFilters(entry: ServiceLog, filters: LogFilters): boolean {
  if (filters.level && entry.level !== filters.level) return false;
  if (filters.category && entry.category !== filters.category) return false;
  const search = filters.search.trim().toLowerCase();
  if (search && !`${entry.message} ${entry.module}`.toLowerCase().includes(search)) return false;
  return true;
}
