import { Anchor, Table, Text } from "@mantine/core";
import { Link } from "react-router";
import type { Position } from "@/api/types";
import { formatPrice, formatSigned, pnlColor } from "@/lib/format";
import { StatusBadge } from "@/lib/ui";

const TP_LABELS: Record<string, string> = {
  per_leg: "Per leg",
  aggregate: "Aggregate",
  hybrid: "Hybrid",
  pyramid_aggregate: "Per pyramid",
};

export function PositionsTable({ positions, compact = false }: { positions: Position[]; compact?: boolean }) {
  if (!positions.length) {
    return (
      <Text c="dimmed" ta="center" p="md">
        No positions here yet.
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={compact ? 500 : 900}>
      <Table striped highlightOnHover verticalSpacing="xs" data-testid="positions-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Pair</Table.Th>
            <Table.Th>Pyramids</Table.Th>
            <Table.Th>Legs filled</Table.Th>
            {!compact && <Table.Th>Avg entry</Table.Th>}
            <Table.Th>Unrealized</Table.Th>
            {!compact && <Table.Th>Realized</Table.Th>}
            {!compact && <Table.Th>TP mode</Table.Th>}
            <Table.Th>Status</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {positions.map((p) => (
            <Table.Tr key={p.id} data-position-id={p.id} data-status={p.status}>
              <Table.Td>
                <Anchor component={Link} to={`/positions/${p.id}`} fw={600}>
                  {p.symbol}
                </Anchor>{" "}
                <Text span c="dimmed" size="sm">
                  {p.timeframe} · {p.side} · {p.exchange}
                </Text>
              </Table.Td>
              <Table.Td>
                {p.pyramid_count} / {p.max_pyramids}
              </Table.Td>
              <Table.Td>
                {p.legs_filled} / {p.legs_total}
              </Table.Td>
              {!compact && <Table.Td>{formatPrice(p.avg_entry)}</Table.Td>}
              <Table.Td>
                <Text span c={pnlColor(p.unrealized_pnl)} size="sm">
                  {formatSigned(p.unrealized_pnl_percent, " %")} ({formatSigned(p.unrealized_pnl)})
                </Text>
              </Table.Td>
              {!compact && (
                <Table.Td>
                  <Text span c={pnlColor(p.realized_pnl)} size="sm">
                    {formatSigned(p.realized_pnl)}
                  </Text>
                </Table.Td>
              )}
              {!compact && <Table.Td>{TP_LABELS[p.tp_mode] ?? p.tp_mode}</Table.Td>}
              <Table.Td>
                <StatusBadge status={p.status} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
