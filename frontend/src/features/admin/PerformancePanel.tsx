import { Text } from "@mantine/core";

// Replaced by the performance dashboard (ops/monitoring/api).
export function PerformancePanel() {
  return <Text size="sm">Performance</Text>;
}
