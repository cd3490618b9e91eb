// Reads and writes of the performance dashboard, with their query keys (kept here, next to the
// only pages that use them).
import { api } from "@/api/client";
import type { AlertRule, AlertRuleChange, AlertsOverview, PerformanceReport, Window } from "./types";

export const monitoringKeys = {
  all: ["monitoring"] as const, // what Refresh asks for again: the panels and the alerts
  performance: (window: Window) => ["monitoring", "performance", window] as const,
  alerts: ["monitoring", "alerts"] as const,
};

/** How often the dashboard asks again while it is open. */
export const REFRESH_MS = 30_000;

export const fetchPerformance = (window: Window) => api<PerformanceReport>("admin/performance", { query: { window } });

export const fetchAlerts = () => api<AlertsOverview>("admin/alerts");

export const saveAlertRule = (key: string, change: AlertRuleChange) =>
  api<AlertRule>(`admin/alerts/${encodeURIComponent(key)}`, { method: "PATCH", body: change });
