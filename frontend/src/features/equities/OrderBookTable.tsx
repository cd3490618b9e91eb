import { Badge, Table, Text } from "@mantine/core";
import type { EquityOrder } from "@/api/types";
import { formatTime, toNumber } from "@/lib/format";
import { formatIndian, formatInr } from "./money";
import { contrast } from "./tone";

// Our normalised status (ccxt's words: a "closed" order is a filled one); the broker's own words
// are shown next to it.
const STATUS_COLORS: Record<string, string> = { open: "blue", closed: "teal", canceled: "gray", rejected: "red", expired: "gray" };
const STATUS_LABELS: Record<string, string> = { closed: "filled", canceled: "cancelled" };

export function OrderBookTable({ orders }: { orders: EquityOrder[] }) {
  if (!orders.length) {
    return (
      <Text className={contrast.muted} ta="center" p="md">
        No orders today.
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={960}>
      <Table striped verticalSpacing="xs" data-testid="orders-table" aria-labelledby="orders-title">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Placed</Table.Th>
            <Table.Th scope="col">Symbol</Table.Th>
            <Table.Th scope="col">Order</Table.Th>
            <Table.Th scope="col" ta="right">Filled / quantity</Table.Th>
            <Table.Th scope="col" ta="right">Price</Table.Th>
            <Table.Th scope="col" ta="right">Average</Table.Th>
            <Table.Th scope="col">Status</Table.Th>
            <Table.Th scope="col">Broker status</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {orders.map((o) => (
            <Table.Tr key={o.id} data-order-id={o.id} data-status={o.status}>
              <Table.Td>
                <Text size="xs">{formatTime(o.created_at)}</Text>
              </Table.Td>
              <Table.Th scope="row" fw={600}>
                {o.symbol}
              </Table.Th>
              <Table.Td>
                <Text span size="sm" fw={600} className={o.side.toLowerCase() === "buy" ? contrast.gain : contrast.loss}>
                  {o.side.toUpperCase()}
                </Text>{" "}
                <Text span size="sm">
                  {o.type} · {o.product}
                </Text>
                {o.amo && (
                  <Badge ml={6} size="xs" variant="dot" color="grape" title="After-market order: goes to the exchange at the next open">
                    AMO
                  </Badge>
                )}
              </Table.Td>
              <Table.Td ta="right">
                {formatIndian(o.filled, 4)} / {formatIndian(o.quantity, 4)}
              </Table.Td>
              <Table.Td ta="right">{toNumber(o.price) ? formatInr(o.price) : "market"}</Table.Td>
              <Table.Td ta="right">{formatInr(o.average)}</Table.Td>
              <Table.Td>
                <Badge color={STATUS_COLORS[o.status] ?? "gray"} variant="dot" data-status={o.status}>
                  {STATUS_LABELS[o.status] ?? o.status.replace(/_/g, " ")}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{o.broker_status || "—"}</Text>
                {o.reject_reason && (
                  <Text size="xs" className={contrast.loss} data-testid="reject-reason">
                    {o.reject_reason}
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
