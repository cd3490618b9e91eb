// The admin's performance dashboard (/manage/performance): every panel of the chosen window
// (last hour, day or week, kept in the URL), refreshed every 30 s, then the alert rules.
import { Button, Group, SegmentedControl, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { formatTime } from "@/lib/format";
import { QueryState } from "@/lib/ui";
import { AlertRulesCard } from "./AlertRulesCard";
import { fetchPerformance, monitoringKeys, REFRESH_MS } from "./performance/api";
import { PanelCard } from "./performance/PanelCard";
import { WINDOWS, type Window } from "./performance/types";

const WINDOW_LABELS: Record<Window, string> = { hour: "Last hour", day: "Last day", week: "Last week" };

function useWindow(): [Window, (next: Window) => void] {
  const [params, setParams] = useSearchParams();
  const asked = params.get("window");
  const current = WINDOWS.find((option) => option === asked) ?? "hour";
  const choose = (next: Window) =>
    setParams(
      (previous) => {
        const updated = new URLSearchParams(previous);
        updated.set("window", next);
        return updated;
      },
      { replace: true },
    );
  return [current, choose];
}

export function PerformancePanel() {
  const client = useQueryClient();
  const [selected, setSelected] = useWindow();
  const report = useQuery({
    queryKey: monitoringKeys.performance(selected),
    queryFn: () => fetchPerformance(selected),
    refetchInterval: REFRESH_MS,
    placeholderData: keepPreviousData,
  });
  const panels = report.data?.panels ?? [];
  // The window of the figures shown: the previous one stays on screen while the next one loads.
  const windowLabel = WINDOW_LABELS[report.data?.window ?? selected].toLowerCase();
  return (
    <Stack gap="lg">
      <Stack gap="sm" component="section" aria-labelledby="performance-heading">
        <Group justify="space-between" align="flex-end" wrap="wrap">
          <Stack gap={2}>
            <Title order={2} size="h4" id="performance-heading">
              Performance
            </Title>
            <Text size="sm" c="dimmed" data-testid="performance-as-of">
              {report.data ? `As of ${formatTime(report.data.generated_at)}` : "Loading…"} · refreshes every {REFRESH_MS / 1000} s
            </Text>
          </Stack>
          <Group gap="xs">
            <SegmentedControl
              aria-label="Window"
              value={selected}
              onChange={(value) => setSelected(value as Window)}
              data={WINDOWS.map((value) => ({ value, label: WINDOW_LABELS[value] }))}
            />
            <Button variant="default" onClick={() => void client.invalidateQueries({ queryKey: monitoringKeys.all })} loading={report.isFetching}>
              Refresh
            </Button>
          </Group>
        </Group>
        <QueryState isLoading={report.isLoading} error={report.error}>
          <SimpleGrid cols={{ base: 1, md: 2 }} data-testid="performance-charts">
            {panels
              .filter((panel) => panel.kind === "lines")
              .map((panel) => (
                <PanelCard key={panel.key} panel={panel} windowLabel={windowLabel} />
              ))}
          </SimpleGrid>
          {/* Tables side by side only on wide screens: their percentile columns need the width. */}
          <SimpleGrid cols={{ base: 1, xl: 2 }} mt="md" style={{ alignItems: "start" }} data-testid="performance-tables">
            {panels
              .filter((panel) => panel.kind === "table")
              .map((panel) => (
                <PanelCard key={panel.key} panel={panel} windowLabel={windowLabel} />
              ))}
          </SimpleGrid>
        </QueryState>
      </Stack>
      <AlertRulesCard />
    </Stack>
  );
}
