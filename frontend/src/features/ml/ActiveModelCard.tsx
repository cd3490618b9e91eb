import { Badge, Group, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { formatTime } from "@/lib/format";
import { QueryState } from "@/lib/ui";
import { useActiveModels } from "./api";
import classes from "./ActiveModelCard.module.css";
import type { ActiveModel } from "./types";
import { algorithmName, percent, RUNS, score, share } from "./words";

function ActiveBacktest({ backtest }: { backtest: NonNullable<ActiveModel["backtest"]> }) {
  return (
    <Table verticalSpacing={4} fz="sm" className={classes.figures} data-testid="active-model-backtest" aria-label="Walk-forward backtest of the active model">
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">Backtest</Table.Th>
          <Table.Th scope="col">Trades</Table.Th>
          <Table.Th scope="col">Win rate</Table.Th>
          <Table.Th scope="col">Return</Table.Th>
          <Table.Th scope="col">Max drawdown</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {RUNS.map(({ name, label }) => {
          const run = backtest[name];
          if (!run) return null;
          return (
            <Table.Tr key={name}>
              <Table.Th scope="row" fw={500}>
                {label}
              </Table.Th>
              <Table.Td>{run.trades}</Table.Td>
              <Table.Td>{share(run.win_rate)}</Table.Td>
              <Table.Td>{percent(run.return_pct)}</Table.Td>
              <Table.Td>{percent(run.max_drawdown_pct, false)}</Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}

/** What a trader opting in gets: the active verdict model's figures, or that the rules decide alone. */
export function ActiveModelCard() {
  const active = useActiveModels();
  const model = active.data?.verdict_classifier ?? null;
  return (
    <Paper withBorder p="md" data-testid="active-model">
      <QueryState isLoading={active.isLoading} error={active.error}>
        {model ? (
          <Stack gap="xs">
            <Group justify="space-between">
              <Title order={5}>Active model: v{model.version}</Title>
              <Badge color="teal" variant="light">
                {algorithmName(model.algorithm)}
              </Badge>
            </Group>
            <Text size="sm">
              Accuracy {share(model.accuracy)}, macro F1 {score(model.macro_f1, 2)}
              {model.test_from ? `, measured on the days from ${model.test_from}` : ""}.
            </Text>
            <Text size="xs" c="dimmed">
              Active since {formatTime(model.activated_at)}. The figures are from days the model never saw in training.
            </Text>
            {model.backtest ? (
              <ActiveBacktest backtest={model.backtest} />
            ) : (
              <Text size="sm" c="dimmed">
                This model has no backtest.
              </Text>
            )}
          </Stack>
        ) : (
          <Stack gap={4}>
            <Title order={5}>No active model</Title>
            <Text size="sm">No verdict model is active now: the rules alone decide, whatever is set here.</Text>
          </Stack>
        )}
      </QueryState>
    </Paper>
  );
}
