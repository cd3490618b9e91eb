import { Table, Text } from "@mantine/core";
import { formatIndian, formatInr } from "@/features/equities/money";
import { StatusBadge } from "@/lib/ui";
import type { Recommendation } from "./types";

/** The ML model's say on a buy ("—" when the trader has not opted in or no model was used). */
function mlSay(row: Recommendation): string {
  if (row.ml_model_version == null) return "—";
  const confidence = row.ml_confidence == null ? "" : ` ${(Number(row.ml_confidence) * 100).toFixed(0)} %`;
  return `${row.ml_verdict.replace(/_/g, " ")}${confidence} (v${row.ml_model_version})`;
}

/** The stocks an analysis says to buy, with the planned AMO order and what became of it. */
export function RecommendationsTable({ rows }: { rows: Recommendation[] }) {
  if (!rows.length) {
    return (
      <Text c="dimmed" size="sm" p="sm">
        No recommendation: no stock passed every rule with a high enough score.
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={860}>
      <Table striped verticalSpacing="xs" data-testid="recommendations" aria-label="Recommendations">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col" ta="right">Rank</Table.Th>
            <Table.Th scope="col">Symbol</Table.Th>
            <Table.Th scope="col">Verdict</Table.Th>
            <Table.Th scope="col">ML model</Table.Th>
            <Table.Th scope="col" ta="right">Quantity</Table.Th>
            <Table.Th scope="col" ta="right">Capital</Table.Th>
            <Table.Th scope="col" ta="right">Target</Table.Th>
            <Table.Th scope="col" ta="right">Stop</Table.Th>
            <Table.Th scope="col">Status</Table.Th>
            <Table.Th scope="col">Reason</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.id} data-symbol={row.symbol}>
              <Table.Td ta="right">{row.rank}</Table.Td>
              <Table.Th scope="row">{row.symbol}</Table.Th>
              <Table.Td>{row.verdict.replace(/_/g, " ")}</Table.Td>
              <Table.Td>{mlSay(row)}</Table.Td>
              <Table.Td ta="right">{formatIndian(row.quantity, 0)}</Table.Td>
              <Table.Td ta="right">{formatInr(row.capital)}</Table.Td>
              <Table.Td ta="right">{formatInr(row.target)}</Table.Td>
              <Table.Td ta="right">{formatInr(row.stop)}</Table.Td>
              <Table.Td>
                <StatusBadge status={row.status} />
              </Table.Td>
              <Table.Td>
                <Text size="sm">{row.reason || "—"}</Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
