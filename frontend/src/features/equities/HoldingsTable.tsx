import { Box, Group, Stack, Table, Text } from "@mantine/core";
import type { EquityHolding } from "@/api/types";
import { toNumber } from "@/lib/format";
import { formatIndian, formatInr, formatInrSigned, multiplyDecimals, sumDecimals } from "./money";
import { contrast, toneProps } from "./tone";

/** Unrealized P&L as a percent of what the holding cost. */
function pnlPercent(holding: EquityHolding): string {
  const cost = (toNumber(holding.average_price) ?? 0) * (toNumber(holding.quantity) ?? 0);
  const pnl = toNumber(holding.unrealized_pnl);
  if (!cost || pnl === null) return "";
  const percent = (pnl / cost) * 100;
  return ` (${percent > 0 ? "+" : ""}${percent.toFixed(2)} %)`;
}

export function HoldingsTable({ holdings }: { holdings: EquityHolding[] }) {
  if (!holdings.length) {
    return (
      <Text className={contrast.muted} ta="center" p="md">
        No holdings: shares bought for delivery (CNC) show here once they settle.
      </Text>
    );
  }
  const value = sumDecimals(holdings.map((h) => h.market_value));
  const pnl = sumDecimals(holdings.map((h) => h.unrealized_pnl));
  const cost = sumDecimals(holdings.map((h) => multiplyDecimals(h.quantity, h.average_price)));
  return (
    <>
      <HoldingsList holdings={holdings} value={value} pnl={pnl} />
      <Box visibleFrom="sm">
        <Table.ScrollContainer minWidth={720}>
          <Table striped verticalSpacing="xs" data-testid="holdings-table" aria-labelledby="holdings-title">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Symbol</Table.Th>
                <Table.Th scope="col" ta="right">Quantity</Table.Th>
                <Table.Th scope="col" ta="right">Sellable</Table.Th>
                <Table.Th scope="col" ta="right">Average price</Table.Th>
                <Table.Th scope="col" ta="right">Last price</Table.Th>
                <Table.Th scope="col" ta="right">Market value</Table.Th>
                <Table.Th scope="col" ta="right">Unrealized P&amp;L</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {holdings.map((h) => (
                <Table.Tr key={h.symbol} data-symbol={h.symbol}>
                  <Table.Th scope="row" fw={600}>
                    {h.symbol}
                  </Table.Th>
                  <Table.Td ta="right">{formatIndian(h.quantity, 4)}</Table.Td>
                  <Table.Td ta="right">{formatIndian(h.sellable_quantity, 4)}</Table.Td>
                  <Table.Td ta="right">{formatInr(h.average_price)}</Table.Td>
                  <Table.Td ta="right">{formatInr(h.last_price)}</Table.Td>
                  <Table.Td ta="right">{formatInr(h.market_value)}</Table.Td>
                  <Table.Td ta="right">
                    <Text span size="sm" fw={600} {...toneProps(h.unrealized_pnl)} data-testid="holding-pnl">
                      {formatInrSigned(h.unrealized_pnl)}
                      {pnlPercent(h)}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
            <Table.Tfoot>
              <Table.Tr data-testid="holdings-total">
                <Table.Th scope="row">Total</Table.Th>
                <Table.Td colSpan={2} />
                <Table.Td ta="right" colSpan={2}>
                  <Text span size="xs" className={contrast.muted}>
                    invested{" "}
                  </Text>
                  {formatInr(cost)}
                </Table.Td>
                <Table.Td ta="right" fw={700}>
                  {formatInr(value)}
                </Table.Td>
                <Table.Td ta="right">
                  <Text span size="sm" fw={700} {...toneProps(pnl)} data-testid="holdings-total-pnl">
                    {formatInrSigned(pnl)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            </Table.Tfoot>
          </Table>
        </Table.ScrollContainer>
      </Box>
    </>
  );
}

/** On a phone: one line per holding with what matters most (value and P&L), no sideways scroll. */
function HoldingsList({ holdings, value, pnl }: { holdings: EquityHolding[]; value: string | null; pnl: string | null }) {
  return (
    <Stack gap={0} hiddenFrom="sm" data-testid="holdings-list" role="list" aria-labelledby="holdings-title">
      {holdings.map((h) => (
        <Group key={h.symbol} justify="space-between" wrap="nowrap" py="xs" role="listitem" data-symbol={h.symbol} style={{ borderBottom: "1px solid var(--mantine-color-default-border)" }}>
          <div>
            <Text fw={600}>{h.symbol}</Text>
            <Text size="xs" className={contrast.muted}>
              {formatIndian(h.quantity, 4)} @ {formatInr(h.average_price)} · last {formatInr(h.last_price)}
            </Text>
          </div>
          <div style={{ textAlign: "right" }}>
            <Text fw={600}>{formatInr(h.market_value)}</Text>
            <Text size="sm" fw={600} {...toneProps(h.unrealized_pnl)}>
              {formatInrSigned(h.unrealized_pnl)}
              {pnlPercent(h)}
            </Text>
          </div>
        </Group>
      ))}
      <Group justify="space-between" py="xs" role="listitem">
        <Text fw={700}>Total</Text>
        <div style={{ textAlign: "right" }}>
          <Text fw={700}>{formatInr(value)}</Text>
          <Text size="sm" fw={700} {...toneProps(pnl)}>
            {formatInrSigned(pnl)}
          </Text>
        </div>
      </Group>
    </Stack>
  );
}
