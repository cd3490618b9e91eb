import { Box, Group, Stack, Table, Text } from "@mantine/core";
import { useMemo } from "react";
import { EquityCurvesChart, type Curve } from "./EquityCurvesChart";
import type { Backtest } from "./types";
import { percent, RUNS, share } from "./words";

function Legend({ curves }: { curves: Curve[] }) {
  return (
    <Group gap="md" data-testid="equity-legend">
      {curves.map((curve) => (
        <Group key={curve.label} gap={6} wrap="nowrap">
          <Box w={18} h={3} style={{ background: curve.color }} aria-hidden />
          <Text size="xs">{curve.label}</Text>
        </Group>
      ))}
    </Group>
  );
}

/** The walk-forward backtest: the three runs' equity (from 100) on one chart, and their summary. */
export function BacktestSection({ backtest }: { backtest: Backtest }) {
  const curves = useMemo(
    () => RUNS.flatMap(({ name, label, color }) => (backtest.runs[name] ? [{ label, color, points: backtest.runs[name]!.equity }] : [])),
    [backtest],
  );
  const last = (name: string) => curves.find((c) => c.label === name)?.points.at(-1)?.equity;
  if (!backtest.from) {
    return (
      <Text size="sm" c="dimmed" data-testid="backtest">
        No block of days had enough earlier samples to learn from, so nothing was replayed: widen the window or add symbols.
      </Text>
    );
  }
  const folds = backtest.folds_used !== undefined && backtest.folds_used !== backtest.folds ? `${backtest.folds_used} of ${backtest.folds}` : String(backtest.folds);
  return (
    <Stack gap="sm" data-testid="backtest">
      <Text size="sm" c="dimmed">
        Walk-forward over {folds} blocks of days, {backtest.from} to {backtest.to}: each block is judged by a model trained only on the days before it. The model's
        verdict counts from a confidence of {share(backtest.min_confidence)}. Equity starts at 100.
      </Text>
      <EquityCurvesChart
        curves={curves}
        label={`Equity of ${curves.map((c) => `${c.label.toLowerCase()} (ends at ${last(c.label)?.toFixed(1) ?? "—"})`).join(", ")}`}
      />
      <Legend curves={curves} />
      <Table verticalSpacing={4} data-testid="backtest-summary" aria-label="Backtest summary">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Run</Table.Th>
            <Table.Th scope="col">Trades</Table.Th>
            <Table.Th scope="col">Win rate</Table.Th>
            <Table.Th scope="col">Return</Table.Th>
            <Table.Th scope="col">Max drawdown</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {RUNS.map(({ name, label }) => {
            const run = backtest.runs[name];
            if (!run) return null;
            return (
              <Table.Tr key={name} data-run={name}>
                <Table.Th scope="row" fw={500}>
                  {label}
                </Table.Th>
                <Table.Td>{run.trades}</Table.Td>
                <Table.Td>{share(run.win_rate)}</Table.Td>
                <Table.Td c={run.return_pct > 0 ? "teal.9" : run.return_pct < 0 ? "red.9" : undefined}>{percent(run.return_pct)}</Table.Td>
                <Table.Td>{percent(run.max_drawdown_pct, false)}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
