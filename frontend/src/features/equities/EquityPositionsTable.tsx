import { Badge, Table, Text } from "@mantine/core";
import type { EquityPosition } from "@/api/types";
import { formatIndian, formatInr } from "./money";
import { contrast } from "./tone";

export function EquityPositionsTable({ positions }: { positions: EquityPosition[] }) {
  if (!positions.length) {
    return (
      <Text className={contrast.muted} ta="center" p="md">
        No positions today.
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table striped verticalSpacing="xs" data-testid="equity-positions-table" aria-labelledby="positions-title">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Symbol</Table.Th>
            <Table.Th scope="col">Product</Table.Th>
            <Table.Th scope="col" ta="right">Bought</Table.Th>
            <Table.Th scope="col" ta="right">Sold</Table.Th>
            <Table.Th scope="col" ta="right">Net</Table.Th>
            <Table.Th scope="col" ta="right">Buy amount</Table.Th>
            <Table.Th scope="col" ta="right">Sell amount</Table.Th>
            <Table.Th scope="col" ta="right">Last price</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {positions.map((p) => (
            <Table.Tr key={`${p.symbol}-${p.product}`} data-symbol={p.symbol}>
              <Table.Th scope="row" fw={600}>
                {p.symbol}
              </Table.Th>
              <Table.Td>
                <Badge variant="default" size="sm">
                  {p.product}
                </Badge>
              </Table.Td>
              <Table.Td ta="right">{formatIndian(p.buy_quantity, 4)}</Table.Td>
              <Table.Td ta="right">{formatIndian(p.sell_quantity, 4)}</Table.Td>
              <Table.Td ta="right">
                <Text span size="sm" fw={600}>
                  {formatIndian(p.net_quantity, 4)}
                </Text>
              </Table.Td>
              <Table.Td ta="right">{formatInr(p.buy_amount)}</Table.Td>
              <Table.Td ta="right">{formatInr(p.sell_amount)}</Table.Td>
              <Table.Td ta="right">{formatInr(p.last_price)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
