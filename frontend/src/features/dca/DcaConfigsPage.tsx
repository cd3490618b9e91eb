import { Anchor, Button, Card, Group, Table, Text } from "@mantine/core";
import { Link } from "react-router";
import type { DCAConfig } from "@/api/types";
import { formatDecimal, formatDuration, formatMoney, formatSigned, pnlColor } from "@/lib/format";
import { ConfirmButton, PageHeader, QueryState } from "@/lib/ui";
import { useDcaConfigs, useDeleteDcaConfig } from "./api";
import { type DcaConfigStats, useDcaConfigStats } from "./statsApi";

function gridSummary(config: DCAConfig): string {
  if (config.form === "threecommas") {
    return `3Commas: base ${config.base_order}, ${config.safety_orders} safety orders of ${config.safety_order}, step ${config.step_percent} %`;
  }
  return `${config.levels.length} legs: ${config.levels.map((l) => `${l.gap_percent}%/${l.weight_percent}w`).join(", ")}`;
}

/** Deals (open · closed), realized profit with the win rate, mean time held, capital in use. */
function StatsCells({ stats }: { stats: DcaConfigStats | undefined }) {
  if (!stats) {
    return (
      <>
        {[0, 1, 2, 3].map((i) => (
          <Table.Td key={i}>
            <Text c="dimmed">—</Text>
          </Table.Td>
        ))}
      </>
    );
  }
  return (
    <>
      <Table.Td data-testid="stats-deals">
        <Text size="sm">
          {stats.active_deals} open · {stats.closed_deals} closed
        </Text>
      </Table.Td>
      <Table.Td data-testid="stats-profit">
        <Text size="sm" fw={600} c={pnlColor(stats.realized_pnl)}>
          {formatSigned(stats.realized_pnl)} {stats.currency}
        </Text>
        <Text size="xs" c="dimmed">
          {stats.win_rate === null ? "no closed deal yet" : `win rate ${formatDecimal(stats.win_rate, 2)} % (${stats.wins} of ${stats.closed_deals})`}
        </Text>
      </Table.Td>
      <Table.Td data-testid="stats-duration">
        <Text size="sm">{formatDuration(stats.avg_duration_seconds)}</Text>
      </Table.Td>
      <Table.Td data-testid="stats-capital">
        <Text size="sm">{formatMoney(stats.capital_in_use, stats.currency)}</Text>
        {stats.active_deals > 0 && (
          <Text size="xs" c={pnlColor(stats.unrealized_pnl)}>
            {formatSigned(stats.unrealized_pnl)} unrealized
          </Text>
        )}
      </Table.Td>
    </>
  );
}

export default function DcaConfigsPage() {
  const configs = useDcaConfigs();
  const stats = useDcaConfigStats();
  const remove = useDeleteDcaConfig();
  const rows = configs.data?.results ?? [];
  return (
    <>
      <PageHeader title="DCA configurations" description="One grid per exchange, pair and timeframe; a signal without one is refused.">
        <Button component={Link} to="/dca/new">
          New configuration
        </Button>
      </PageHeader>
      <Card withBorder>
        <QueryState isLoading={configs.isLoading} error={configs.error}>
          {rows.length ? (
            <Table.ScrollContainer minWidth={1100}>
              <Table verticalSpacing="sm" data-testid="dca-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Pair</Table.Th>
                    <Table.Th>Grid</Table.Th>
                    <Table.Th>TP mode</Table.Th>
                    <Table.Th>Pyramids</Table.Th>
                    <Table.Th>Deals</Table.Th>
                    <Table.Th>Realized profit</Table.Th>
                    <Table.Th>Avg. time held</Table.Th>
                    <Table.Th>Capital in use</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((config) => (
                    <Table.Tr key={config.id} data-config={config.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/dca/${config.id}`} fw={600}>
                          {config.symbol}
                        </Anchor>
                        <Text size="xs" c="dimmed">
                          {config.exchange} · {config.timeframe || "any timeframe"}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{gridSummary(config)}</Text>
                      </Table.Td>
                      <Table.Td>{config.tp_mode.replace("_", " ")}</Table.Td>
                      <Table.Td>{config.max_pyramids}</Table.Td>
                      <StatsCells stats={stats.data?.get(config.id)} />
                      <Table.Td>
                        <Group gap="xs" justify="flex-end" wrap="nowrap">
                          <Button size="xs" variant="light" component={Link} to={`/dca/${config.id}`}>
                            Edit
                          </Button>
                          <ConfirmButton size="xs" title="Delete this configuration?" message={`Signals for ${config.symbol} on ${config.exchange} will be refused until a new one exists.`} confirmLabel="Delete" onConfirm={() => remove.mutateAsync(config.id).catch(() => undefined)}>
                            Delete
                          </ConfirmButton>
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          ) : (
            <Text c="dimmed" ta="center" p="md">
              No configuration yet. <Anchor component={Link} to="/dca/new">Create one</Anchor>.
            </Text>
          )}
        </QueryState>
      </Card>
    </>
  );
}
