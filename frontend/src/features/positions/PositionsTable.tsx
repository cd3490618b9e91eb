import { Card, Group, Stack, Table, Text } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import type { ReactNode } from "react";
import type { Position } from "@/api/types";
import { formatMoney, formatSpan } from "@/lib/format";
import { StatusBadge } from "@/lib/ui";
import { isOpenStatus } from "./api";
import { LifetimeCells, LifetimeHeaders, ListTable, Pair, Pnl, SortHeader, withUnit, type SortState } from "./cells";

/** Phones (under 576 px) get one card per position instead of a wide table. */
export const PHONE_QUERY = "(max-width: 575px)";

/** What a row's PnL cell shows: unrealized while open, the realized result once closed. */
function rowPnl(p: Position): ReactNode {
  return isOpenStatus(p.status) ? (
    <Pnl amount={p.unrealized_pnl} percent={p.unrealized_pnl_percent} unit={p.quote_currency} />
  ) : (
    <Pnl amount={p.realized_pnl} percent={p.realized_pnl_percent} unit={p.quote_currency} />
  );
}

/** One position as a card (phones): pair and status, the PnL large, then invested, duration, exit. */
export function PositionCard({ p }: { p: Position }) {
  const open = isOpenStatus(p.status);
  return (
    <Card withBorder padding="sm" data-testid="position-card" data-position-id={p.id} data-status={p.status}>
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <div>
          <Pair p={p} />
        </div>
        <StatusBadge status={p.status} />
      </Group>
      <Text fw={700} size="lg" mt={4}>
        {rowPnl(p)}
      </Text>
      <Text size="xs" c="dimmed">
        {open ? "Unrealized" : "Realized"} · invested {formatMoney(p.invested, p.quote_currency)} · {formatSpan(p.duration_seconds)}
        {!open && p.exit_reason_label ? ` · ${p.exit_reason_label}` : ""}
      </Text>
    </Card>
  );
}

export function PositionsTable({ positions, compact = false, sort }: { positions: Position[]; compact?: boolean; sort?: SortState }) {
  const phone = useMediaQuery(PHONE_QUERY);
  if (!positions.length) {
    return (
      <Text c="dimmed" ta="center" p="md">
        No positions here yet.
      </Text>
    );
  }
  if (phone) {
    return (
      <Stack gap="xs" data-testid="positions-cards">
        {positions.map((p) => (
          <PositionCard key={p.id} p={p} />
        ))}
      </Stack>
    );
  }
  if (compact) return <CompactTable positions={positions} />;
  return (
    <ListTable
      minWidth={1250}
      testId="positions-table"
      head={
        <>
          <SortHeader label="Pair" sortKey="symbol" sort={sort} />
          <SortHeader label="Status" sortKey="status" sort={sort} />
          <SortHeader label="Invested" sortKey="invested" sort={sort} />
          <Table.Th>Avg entry</Table.Th>
          <Table.Th>Price / exit</Table.Th>
          <SortHeader label="Unrealized" sortKey="unrealized_pnl" sort={sort} />
          <SortHeader label="Realized" sortKey="realized_pnl" sort={sort} />
          <LifetimeHeaders sort={sort} />
          <Table.Th>Exit reason</Table.Th>
        </>
      }
    >
      <Table.Tbody>
        {positions.map((p) => {
          const open = isOpenStatus(p.status);
          const unit = p.quote_currency;
          return (
            <Table.Tr key={p.id} data-position-id={p.id} data-status={p.status}>
              <Table.Td>
                <Pair p={p} />
              </Table.Td>
              <Table.Td style={{ minWidth: 150 }}>
                <StatusBadge status={p.status} />
              </Table.Td>
              <Table.Td style={{ whiteSpace: "nowrap" }}>{formatMoney(p.invested, unit)}</Table.Td>
              <Table.Td style={{ whiteSpace: "nowrap" }}>{withUnit(p.avg_entry, unit)}</Table.Td>
              <Table.Td style={{ whiteSpace: "nowrap" }}>
                {open ? withUnit(p.current_price, unit) : withUnit(p.exit_price, unit)}
                {!open && p.exit_price !== null && (
                  <Text span size="xs" c="dimmed">
                    {" "}
                    exit
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{open ? <Pnl amount={p.unrealized_pnl} percent={p.unrealized_pnl_percent} unit={unit} /> : "—"}</Table.Td>
              <Table.Td>
                <Pnl amount={p.realized_pnl} percent={p.realized_pnl_percent} unit={unit} />
              </Table.Td>
              <LifetimeCells p={p} />
              <Table.Td>{open ? "—" : p.exit_reason_label || "—"}</Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </ListTable>
  );
}

/** The dashboard's short list of open positions. */
function CompactTable({ positions }: { positions: Position[] }) {
  return (
    <ListTable
      minWidth={500}
      testId="positions-table"
      head={
        <>
          <Table.Th>Pair</Table.Th>
          <Table.Th>Pyramids</Table.Th>
          <Table.Th>Legs filled</Table.Th>
          <Table.Th>Unrealized</Table.Th>
          <Table.Th>Status</Table.Th>
        </>
      }
    >
      <Table.Tbody>
        {positions.map((p) => (
          <Table.Tr key={p.id} data-position-id={p.id} data-status={p.status}>
            <Table.Td>
              <Pair p={p} />
            </Table.Td>
            <Table.Td>
              {p.pyramid_count} / {p.max_pyramids}
            </Table.Td>
            <Table.Td>
              {p.legs_filled} / {p.legs_total}
            </Table.Td>
            <Table.Td>
              <Pnl amount={p.unrealized_pnl} percent={p.unrealized_pnl_percent} unit={p.quote_currency} />
            </Table.Td>
            <Table.Td>
              <StatusBadge status={p.status} />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </ListTable>
  );
}
