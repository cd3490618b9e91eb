// A card per dashboard panel: its title with the unit, then the chart or the table, or a line
// saying the window has no data yet.
import { Card, Text, Title } from "@mantine/core";
import { MetricChart } from "./MetricChart";
import { MetricTable } from "./MetricTable";
import { hasData, titleWithUnit } from "./metricData";
import type { Panel } from "./types";

export function PanelCard({ panel, windowLabel }: { panel: Panel; windowLabel: string }) {
  const title = titleWithUnit(panel.title, panel.unit);
  const filled = hasData(panel);
  return (
    <Card withBorder padding="sm" data-testid="performance-panel" data-panel={panel.key} data-kind={panel.kind} data-empty={!filled}>
      <Title order={3} size="h5" mb="xs">
        {title}
      </Title>
      {!filled ? (
        <Text size="sm" c="dimmed" py="lg" ta="center" data-testid="panel-empty">
          No data in this window yet
        </Text>
      ) : panel.kind === "lines" ? (
        <MetricChart series={panel.series} unit={panel.unit} label={`${title}, ${windowLabel}`} />
      ) : (
        <MetricTable columns={panel.columns} rows={panel.rows} label={title} />
      )}
    </Card>
  );
}
