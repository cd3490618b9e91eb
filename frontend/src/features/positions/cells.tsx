// Cells the positions table and the deal history share: server-side sort headers, the pair
// with its timeframe, side and exchange, PnL coloured by sign, amounts with their currency.
import { Anchor, Table, Text, UnstyledButton } from "@mantine/core";
import type { ReactNode } from "react";
import { Link } from "react-router";
import type { Position } from "@/api/types";
import { formatPrice, formatSigned, formatSpan, formatTime, pnlColor } from "@/lib/format";

/** The server's sort (`?ordering=`, "-" for descending) and how to change it. */
export interface SortState {
  ordering: string;
  onSort: (ordering: string) => void;
}

/** A header that sorts on the server: first click ascending, the next one descending. */
export function SortHeader({ label, sortKey, sort }: { label: string; sortKey: string; sort?: SortState }) {
  if (!sort) return <Table.Th>{label}</Table.Th>;
  const descending = sort.ordering === `-${sortKey}`;
  const active = descending || sort.ordering === sortKey;
  const next = active && !descending ? `-${sortKey}` : sortKey;
  return (
    <Table.Th aria-sort={active ? (descending ? "descending" : "ascending") : "none"}>
      <UnstyledButton onClick={() => sort.onSort(next)} fw={700} fz="sm" data-sort-key={sortKey}>
        {label} {active ? (descending ? "▼" : "▲") : ""}
      </UnstyledButton>
    </Table.Th>
  );
}

/** The symbol, linking to the position, then its timeframe, side and exchange. */
export function Pair({ p }: { p: Position }) {
  return (
    <>
      <Anchor component={Link} to={`/positions/${p.id}`} fw={600}>
        {p.symbol}
      </Anchor>{" "}
      <Text span c="dimmed" size="sm">
        {p.timeframe} · {p.side} · {p.exchange}
      </Text>
    </>
  );
}

/** "+8.79 USDT (+1.47 %)", coloured by sign (zero is neutral). */
export function Pnl({ amount, percent, unit }: { amount: string | null; percent: string | null; unit: string }) {
  return (
    <Text span size="sm" c={pnlColor(amount)} style={{ whiteSpace: "nowrap" }}>
      {formatSigned(amount, ` ${unit}`.trimEnd())}
      {percent !== null && ` (${formatSigned(percent, " %")})`}
    </Text>
  );
}

export function withUnit(value: string | null, unit: string, format: (v: string | null) => string = formatPrice): string {
  const text = format(value);
  return text === "—" || !unit ? text : `${text} ${unit}`;
}

/** A list table: striped, rows highlighted on hover, scrolling sideways below `minWidth`.
 * `head` is the header row's cells; the children are its body (and footer). */
export function ListTable({ minWidth, testId, head, children }: { minWidth: number; testId: string; head: ReactNode; children: ReactNode }) {
  return (
    <Table.ScrollContainer minWidth={minWidth}>
      <Table striped highlightOnHover verticalSpacing="xs" data-testid={testId}>
        <Table.Thead>
          <Table.Tr>{head}</Table.Tr>
        </Table.Thead>
        {children}
      </Table>
    </Table.ScrollContainer>
  );
}

/** The Opened, Closed and Duration headers, each sorting on the server. */
export function LifetimeHeaders({ sort }: { sort?: SortState }) {
  return (
    <>
      <SortHeader label="Opened" sortKey="opened_at" sort={sort} />
      <SortHeader label="Closed" sortKey="closed_at" sort={sort} />
      <SortHeader label="Duration" sortKey="duration" sort={sort} />
    </>
  );
}

/** When the position opened and closed, and how long it ran. */
export function LifetimeCells({ p }: { p: Position }) {
  return (
    <>
      <Table.Td style={{ whiteSpace: "nowrap" }}>{formatTime(p.opened_at)}</Table.Td>
      <Table.Td style={{ whiteSpace: "nowrap" }}>{formatTime(p.closed_at)}</Table.Td>
      <Table.Td style={{ whiteSpace: "nowrap" }}>{formatSpan(p.duration_seconds)}</Table.Td>
    </>
  );
}
