import { Table, Text } from "@mantine/core";
import type { Pyramid } from "@/api/types";
import { formatDecimal, formatMoney, formatPrice } from "@/lib/format";
import { StatusBadge } from "@/lib/ui";

export function LegsTable({ pyramids }: { pyramids: Pyramid[] }) {
  const rows = pyramids.flatMap((pyramid) => pyramid.legs.map((leg) => ({ pyramid, leg })));
  if (!rows.length) return <Text c="dimmed">No legs yet.</Text>;
  return (
    <Table.ScrollContainer minWidth={760}>
      <Table striped verticalSpacing="xs" data-testid="legs-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Pyramid</Table.Th>
            <Table.Th>Leg</Table.Th>
            <Table.Th>Price</Table.Th>
            <Table.Th>Quantity</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Filled at</Table.Th>
            <Table.Th>Filled qty</Table.Th>
            <Table.Th>Fees</Table.Th>
            <Table.Th>TP price</Table.Th>
            <Table.Th>TP</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map(({ pyramid, leg }) => (
            <Table.Tr key={leg.id} data-leg-status={leg.status}>
              <Table.Td>{pyramid.index}</Table.Td>
              <Table.Td>{leg.level}</Table.Td>
              <Table.Td>{leg.price ? formatPrice(leg.price) : "market"}</Table.Td>
              <Table.Td>{formatDecimal(leg.quantity)}</Table.Td>
              <Table.Td>
                <StatusBadge status={leg.status} />
              </Table.Td>
              <Table.Td>{formatPrice(leg.filled_price)}</Table.Td>
              <Table.Td>{formatDecimal(leg.filled_quantity)}</Table.Td>
              <Table.Td>{formatMoney(leg.fees)}</Table.Td>
              <Table.Td>{formatPrice(leg.tp_price)}</Table.Td>
              <Table.Td>
                <StatusBadge status={leg.tp_status} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
