import { Anchor, Card, Stack, Table, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { formatIndian, formatInr, formatInrSigned } from "@/features/equities/money";
import { formatTime, pnlColor } from "@/lib/format";
import { PageHeader, QueryState, StatusBadge } from "@/lib/ui";
import { useHoldings, useStrategyDays } from "./api";
import contrast from "./contrast.module.css";
import { StrategyNav } from "./StrategyNav";
import type { StrategyDay, StrategyHolding } from "./types";

function HoldingsTable({ rows }: { rows: StrategyHolding[] }) {
  if (!rows.length) {
    return (
      <Text c="dimmed" size="sm" p="sm">
        The strategy holds nothing now: its AMO buys fill at the next open.
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={1100}>
      <Table striped verticalSpacing="xs" data-testid="strategy-holdings" aria-label="The strategy's holdings">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Symbol</Table.Th>
            <Table.Th scope="col" ta="right">Quantity</Table.Th>
            <Table.Th scope="col" ta="right">Average entry</Table.Th>
            <Table.Th scope="col" ta="right">Last price</Table.Th>
            <Table.Th scope="col" ta="right">Unrealized P&amp;L</Table.Th>
            <Table.Th scope="col" ta="right">EMA9 target</Table.Th>
            <Table.Th scope="col">Sell order</Table.Th>
            <Table.Th scope="col" ta="right">Target / stop</Table.Th>
            <Table.Th scope="col">Re-entries</Table.Th>
            <Table.Th scope="col">Opened</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.id} data-symbol={row.symbol}>
              <Table.Th scope="row">
                <Anchor component={Link} to={`/positions/${row.id}`} fw={600} size="sm">
                  {row.symbol}
                </Anchor>
                <Text size="xs" c="dimmed">
                  {row.exchange} · {row.account_label}
                </Text>
              </Table.Th>
              <Table.Td ta="right">{formatIndian(row.quantity, 0)}</Table.Td>
              <Table.Td ta="right">{formatInr(row.avg_entry)}</Table.Td>
              <Table.Td ta="right">{formatInr(row.last_price)}</Table.Td>
              <Table.Td ta="right">
                <Text span size="sm" fw={600} c={pnlColor(row.unrealized_pnl)}>
                  {formatInrSigned(row.unrealized_pnl)} ({formatIndian(row.unrealized_pnl_percent)} %)
                </Text>
              </Table.Td>
              <Table.Td ta="right" fw={600}>
                {formatInr(row.exit_price)}
              </Table.Td>
              <Table.Td maw={280}>
                {row.sell_order ? (
                  <>
                    <StatusBadge status={row.sell_order.status} />
                    <Text size="xs" c="dimmed">
                      {formatIndian(row.sell_order.quantity, 0)} at {formatInr(row.sell_order.price)}
                    </Text>
                  </>
                ) : (
                  <Text size="sm" c="dimmed">
                    {row.exit_note || "no sell resting"}
                  </Text>
                )}
              </Table.Td>
              <Table.Td ta="right">
                <Text size="sm">{formatInr(row.target)}</Text>
                <Text size="xs" c="dimmed">
                  {formatInr(row.stop)}
                </Text>
              </Table.Td>
              <Table.Td>{row.levels_taken.length ? row.levels_taken.map((level) => `RSI < ${level}`).join(", ") : "—"}</Table.Td>
              <Table.Td>{formatTime(row.opened_at)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function DaysList({ days }: { days: StrategyDay[] }) {
  if (!days.length) {
    return (
      <Text c="dimmed" size="sm" p="sm">
        No day summary yet: the end-of-day task writes one at 18:00 IST.
      </Text>
    );
  }
  return (
    <Stack gap="xs" data-testid="strategy-days">
      {days.map((day) => (
        <Card key={day.day} withBorder padding="sm">
          <Text fw={600}>{day.day}</Text>
          <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
            {day.summary || "—"}
          </Text>
        </Card>
      ))}
    </Stack>
  );
}

/** /strategy/holdings: what the strategy holds, the EMA9 sell of each, and the day summaries. */
export default function HoldingsPage() {
  const holdings = useHoldings();
  const days = useStrategyDays();
  return (
    <Stack className={contrast.page}>
      <PageHeader title="Strategy holdings" description="Each position the strategy holds, with the EMA9 limit its sell rests at (rounded up to the tick)." />
      <StrategyNav />
      <Card withBorder>
        <QueryState isLoading={holdings.isLoading} error={holdings.error}>
          {holdings.data && <HoldingsTable rows={holdings.data} />}
        </QueryState>
      </Card>
      <Card withBorder>
        <Title order={3} mb="xs">
          Day summaries
        </Title>
        <QueryState isLoading={days.isLoading} error={days.error}>
          {days.data && <DaysList days={days.data.results} />}
        </QueryState>
      </Card>
    </Stack>
  );
}
