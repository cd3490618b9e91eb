import { Anchor, Card, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { Link, useParams } from "react-router";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { useWatchPositions } from "@/live/LiveEvents";
import { formatDecimal, formatMoney, formatPrice, formatSigned, formatTime, pnlColor } from "@/lib/format";
import { ConfirmButton, PageHeader, QueryState, StatusBadge } from "@/lib/ui";
import { isOpenStatus, useClosePosition, usePosition } from "./api";
import { withUnit } from "./cells";
import { LegsTable } from "./LegsTable";
import { PriceChartCard } from "./PriceChartCard";

function Stat({ label, value, color }: { label: string; value: string; color?: string | undefined }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text fw={600} c={color} data-testid={`stat-${label.toLowerCase().replace(/\W+/g, "-")}`}>
        {value}
      </Text>
    </Card>
  );
}

export default function PositionDetailPage() {
  const { id = "" } = useParams();
  const query = usePosition(id);
  const close = useClosePosition(id);
  const detail = query.data;
  const quote = detail?.quote_currency ?? "";
  // The server prices an open position between take-profit ticks while this page shows it.
  useWatchPositions(detail && isOpenStatus(detail.status) ? [detail.id] : []);

  return (
    <QueryState isLoading={query.isLoading} error={query.error}>
      {detail && (
        <Stack>
          <Anchor component={Link} to="/positions" size="sm">
            ← Positions
          </Anchor>
          <PageHeader
            title={`${detail.symbol} · ${detail.timeframe} · ${detail.side}`}
            description={`${detail.exchange} (${detail.account_label}), opened ${formatTime(detail.opened_at)}${detail.closed_at ? `, closed ${formatTime(detail.closed_at)}` : ""}`}
          >
            <StatusBadge status={detail.status} />
            {isOpenStatus(detail.status) && detail.status !== "closing" && (
              <ConfirmButton
                title="Close this position?"
                message={`Every open order of ${detail.symbol} is cancelled and the filled quantity (${formatDecimal(detail.filled_quantity)}) is sold at market.`}
                confirmLabel="Close position"
                onConfirm={() => close.mutateAsync().catch(() => undefined)}
                loading={close.isPending}
              >
                Close position
              </ConfirmButton>
            )}
          </PageHeader>
          <ErrorAlert error={close.error} title="The position was not closed" />
          <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
            <Stat label="Average entry" value={withUnit(detail.avg_entry, quote)} />
            <Stat label="Last price" value={withUnit(detail.last_price, quote)} />
            <Stat label="Quantity" value={withUnit(detail.filled_quantity, detail.base_currency, formatDecimal)} />
            <Stat label="Unrealized" value={`${formatSigned(detail.unrealized_pnl, ` ${quote}`)} (${formatSigned(detail.unrealized_pnl_percent, " %")})`} color={pnlColor(detail.unrealized_pnl)} />
            <Stat label="Realized" value={formatSigned(detail.realized_pnl, ` ${quote}`)} color={pnlColor(detail.realized_pnl)} />
            <Stat label="TP target" value={withUnit(detail.tp_target_price, quote)} />
          </SimpleGrid>
          {detail.close_reason && (
            <Text size="sm" data-testid="close-reason">
              Close reason: <b>{detail.close_reason}</b>
            </Text>
          )}
          <PriceChartCard detail={detail} />
          <Card withBorder>
            <Title order={4} mb="xs">
              Legs ({detail.legs_filled} / {detail.legs_total} filled, pyramids {detail.pyramid_count} / {detail.max_pyramids})
            </Title>
            <LegsTable pyramids={detail.pyramids} />
          </Card>
          {detail.exit_orders.length > 0 && (
            <Card withBorder>
              <Title order={4} mb="xs">
                Take-profit and close orders
              </Title>
              <Table.ScrollContainer minWidth={600}>
                <Table verticalSpacing="xs">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Role</Table.Th>
                      <Table.Th>Type</Table.Th>
                      <Table.Th>Price</Table.Th>
                      <Table.Th>Quantity</Table.Th>
                      <Table.Th>Status</Table.Th>
                      <Table.Th>Filled</Table.Th>
                      <Table.Th>Reason</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {detail.exit_orders.map((order) => (
                      <Table.Tr key={order.id}>
                        <Table.Td>{order.role.replace("_", "-")}</Table.Td>
                        <Table.Td>{order.type}</Table.Td>
                        <Table.Td>{formatPrice(order.price ?? order.avg_fill_price)}</Table.Td>
                        <Table.Td>{formatDecimal(order.quantity)}</Table.Td>
                        <Table.Td>
                          <StatusBadge status={order.status} />
                        </Table.Td>
                        <Table.Td>
                          {formatDecimal(order.filled_quantity)} @ {formatPrice(order.avg_fill_price)}
                        </Table.Td>
                        <Table.Td>{order.reason}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Card>
          )}
          {detail.fills.length > 0 && (
            <Card withBorder>
              <Title order={4} mb="xs">
                Fills
              </Title>
              <Table verticalSpacing={4}>
                <Table.Tbody>
                  {detail.fills.map((fill) => (
                    <Table.Tr key={fill.id}>
                      <Table.Td>{formatTime(fill.executed_at)}</Table.Td>
                      <Table.Td>
                        {formatDecimal(fill.quantity)} @ {formatPrice(fill.price)}
                      </Table.Td>
                      <Table.Td>fee {formatMoney(fill.fee_quote)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Card>
          )}
        </Stack>
      )}
    </QueryState>
  );
}
