// The performance dashboard's API (ops/monitoring/api), as /api/v1/admin/performance and
// /api/v1/admin/alerts answer it. Thresholds and alert values are decimals sent as strings.

export const WINDOWS = ["hour", "day", "week"] as const;
export type Window = (typeof WINDOWS)[number];

/** [ISO UTC time, value or null when nothing was measured in that step]. */
export type MetricPoint = [string, number | null];

export interface MetricSeries {
  label: string;
  points: MetricPoint[];
}

interface PanelBase {
  key: string;
  title: string;
  unit: string;
}

export interface LinesPanel extends PanelBase {
  kind: "lines";
  series: MetricSeries[];
}

export type Cell = string | number | null;

export interface TablePanel extends PanelBase {
  kind: "table";
  columns: string[];
  rows: Cell[][];
}

export type Panel = LinesPanel | TablePanel;

export interface PerformanceReport {
  window: Window;
  step_seconds: number;
  generated_at: string;
  panels: Panel[];
}

export interface AlertRule {
  key: string;
  title: string;
  unit: string;
  threshold: string;
  enabled: boolean;
  firing: boolean;
  last_value: string | null;
}

export interface AlertEvent {
  id: number;
  rule: string;
  title: string;
  value: string | null;
  threshold: string | null;
  fired_at: string;
  resolved_at: string | null;
}

export interface AlertsOverview {
  rules: AlertRule[];
  events: AlertEvent[];
}

export interface AlertRuleChange {
  threshold: string;
  enabled: boolean;
}
