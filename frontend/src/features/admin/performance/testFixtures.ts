// Answers in the shape of /api/v1/admin/performance and /api/v1/admin/alerts for the tests.
import type { AlertsOverview, MetricPoint, PerformanceReport } from "./types";

const minute = (n: number) => `2026-12-06T11:${String(n).padStart(2, "0")}:00Z`;
const points = (values: (number | null)[]): MetricPoint[] => values.map((value, index) => [minute(index + 1), value]);

export function reportFixture(overrides: Partial<PerformanceReport> = {}): PerformanceReport {
  return {
    window: "hour",
    step_seconds: 60,
    generated_at: "2026-12-06T12:00:00Z",
    panels: [
      {
        key: "api_latency",
        title: "API latency",
        unit: "ms",
        kind: "lines",
        series: [
          { label: "p50", points: points([12.5, null, 14]) },
          { label: "p95", points: points([30, null, 41]) },
          { label: "p99", points: points([55, null, 80]) },
        ],
      },
      { key: "webhook_rate", title: "Webhooks", unit: "/min", kind: "lines", series: [{ label: "webhooks", points: points([null, null, null]) }] },
      {
        key: "api_endpoints",
        title: "API latency by endpoint",
        unit: "ms",
        kind: "table",
        columns: ["Endpoint", "Requests", "p50", "p95", "p99"],
        rows: [["GET /api/v1/positions", 1200, 8.1, 20.345, 41]],
      },
      { key: "orders", title: "Orders", unit: "", kind: "table", columns: ["Exchange", "Placed", "Failed", "Failure rate %"], rows: [] },
    ],
    ...overrides,
  };
}

export function alertsFixture(overrides: Partial<AlertsOverview> = {}): AlertsOverview {
  return {
    rules: [
      { key: "queue_depth", title: "Queue depth", unit: "tasks", threshold: "500", enabled: true, firing: true, last_value: "812" },
      { key: "api_p99", title: "API p99 latency", unit: "ms", threshold: "1000", enabled: true, firing: false, last_value: "80.5" },
      { key: "backup_failed", title: "Backup failed", unit: "", threshold: "0", enabled: true, firing: false, last_value: null },
    ],
    events: [{ id: 1, rule: "queue_depth", title: "Queue depth", value: "812", threshold: "500", fired_at: "2026-12-06T11:50:00Z", resolved_at: null }],
    ...overrides,
  };
}
