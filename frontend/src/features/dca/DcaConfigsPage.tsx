import { Anchor, Button, Card, Group, Table, Text } from "@mantine/core";
import { Link } from "react-router";
import type { DCAConfig } from "@/api/types";
import { ConfirmButton, PageHeader, QueryState } from "@/lib/ui";
import { useDcaConfigs, useDeleteDcaConfig } from "./api";

function gridSummary(config: DCAConfig): string {
  if (config.form === "threecommas") {
    return `3Commas: base ${config.base_order}, ${config.safety_orders} safety orders of ${config.safety_order}, step ${config.step_percent} %`;
  }
  return `${config.levels.length} legs: ${config.levels.map((l) => `${l.gap_percent}%/${l.weight_percent}w`).join(", ")}`;
}

export default function DcaConfigsPage() {
  const configs = useDcaConfigs();
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
            <Table.ScrollContainer minWidth={700}>
              <Table verticalSpacing="sm" data-testid="dca-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Pair</Table.Th>
                    <Table.Th>Grid</Table.Th>
                    <Table.Th>TP mode</Table.Th>
                    <Table.Th>Pyramids</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((config) => (
                    <Table.Tr key={config.id}>
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
