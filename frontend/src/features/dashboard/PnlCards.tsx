import { SimpleGrid, Stack, Text } from "@mantine/core";
import type { Performance } from "@/api/types";
import { formatDecimal, formatSigned, pnlColor } from "@/lib/format";
import { Tile } from "./Tile";
import { type CurrencyTotals, currencyRows, todayLabel } from "./pnl";

type Amount = (row: CurrencyTotals) => string;
type Count = (row: CurrencyTotals) => number;

/** One line per quote currency: "+12.00 USDT (2)". */
function Lines({ rows, amount, count, unit }: { rows: CurrencyTotals[]; amount: Amount; count?: Count; unit?: string }) {
  if (!rows.length) return <Text c="dimmed">—</Text>;
  return (
    <Stack gap={0}>
      {rows.map((row, index) => (
        <Text key={row.currency} fw={index === 0 ? 700 : 500} size={index === 0 ? "lg" : "sm"} c={pnlColor(amount(row))} data-currency={row.currency}>
          {formatSigned(amount(row))} {row.currency}
          {count && (
            <Text span size="xs" c="dimmed" fw={400}>
              {" "}
              · {count(row)} {unit}
            </Text>
          )}
        </Text>
      ))}
    </Stack>
  );
}

/** Realized and unrealized apart (the equity curve below is the realized part), today's profit
 * and the completed deals, per quote currency. */
export function PnlCards({ performance, days }: { performance: Performance | undefined; days: number }) {
  const rows = currencyRows(performance);
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, lg: 4 }}>
      <Tile label={`Realized PnL (${days} d)`} testId="realized-pnl">
        <Lines rows={rows} amount={(row) => row.realized_pnl} />
        <Text size="xs" c="dimmed">
          closed deals, fees netted
        </Text>
      </Tile>
      <Tile label="Unrealized PnL" testId="unrealized-pnl">
        <Lines rows={rows} amount={(row) => row.unrealized_pnl} count={(row) => row.open_groups} unit="open" />
        <Text size="xs" c="dimmed">
          open groups, at their last price
        </Text>
      </Tile>
      <Tile label="Profit today" testId="profit-today">
        <Lines rows={rows} amount={(row) => row.profit_today} count={(row) => row.completed_today} unit="closed" />
        <Text size="xs" c="dimmed">
          realized {todayLabel(performance)}
        </Text>
      </Tile>
      <Tile label={`Completed deals (${days} d)`} testId="completed-deals">
        {rows.length ? (
          <Stack gap={0}>
            {rows.map((row, index) => (
              <Text key={row.currency} fw={index === 0 ? 700 : 500} size={index === 0 ? "lg" : "sm"} data-currency={row.currency}>
                {row.completed_deals}{" "}
                <Text span size="xs" c="dimmed" fw={400}>
                  in {row.currency}
                </Text>
              </Text>
            ))}
          </Stack>
        ) : (
          <Text c="dimmed">—</Text>
        )}
        <Text size="xs" c="dimmed">
          {performance?.win_rate == null ? "no win rate yet" : `win rate ${formatDecimal(performance.win_rate, 2)} % in ${performance.currency}`}
        </Text>
      </Tile>
    </SimpleGrid>
  );
}
