import { Table, Text } from "@mantine/core";
import { VERDICT_LABELS } from "./types";
import { labelName } from "./words";

/** The matrix with its labels put in the verdicts' order (avoid, watch, buy, strong_buy; any
 * other label after them). */
export function ordered(matrix: { labels: string[]; matrix: number[][] }): { labels: string[]; rows: number[][] } {
  const rank = (label: string) => {
    const index = (VERDICT_LABELS as readonly string[]).indexOf(label);
    return index === -1 ? VERDICT_LABELS.length : index;
  };
  const order = matrix.labels.map((label, index) => ({ label, index })).sort((a, b) => rank(a.label) - rank(b.label));
  return {
    labels: order.map((o) => o.label),
    rows: order.map((row) => order.map((column) => matrix.matrix[row.index]?.[column.index] ?? 0)),
  };
}

// Mantine's blues with a text colour each that keeps WCAG AA contrast (black up to blue.5, white on 8-9).
const HEAT = [
  { upTo: 0, bg: "#e7f5ff", fg: "#000" },
  { upTo: 0.1, bg: "#d0ebff", fg: "#000" },
  { upTo: 0.25, bg: "#a5d8ff", fg: "#000" },
  { upTo: 0.4, bg: "#74c0fc", fg: "#000" },
  { upTo: 0.55, bg: "#4dabf7", fg: "#000" },
  { upTo: 0.7, bg: "#339af0", fg: "#000" },
  { upTo: 0.85, bg: "#1971c2", fg: "#fff" },
  { upTo: 1, bg: "#1864ab", fg: "#fff" },
];

export function heat(shareOfRow: number): { bg: string; fg: string } {
  return HEAT.find((step) => shareOfRow <= step.upTo) ?? HEAT[HEAT.length - 1]!;
}

/** Rows are the true labels, columns the predicted ones; a cell's shade is its share of its row
 * (the row's recall on the diagonal). */
export function ConfusionMatrix({ matrix }: { matrix: { labels: string[]; matrix: number[][] } }) {
  const { labels, rows } = ordered(matrix);
  return (
    <Table withTableBorder withColumnBorders ta="center" data-testid="confusion-matrix" aria-label="Confusion matrix: rows are the true labels, columns the predicted ones" w="auto">
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">
            <Text size="xs" c="dimmed">
              true ↓ / predicted →
            </Text>
          </Table.Th>
          {labels.map((label) => (
            <Table.Th key={label} scope="col" ta="center">
              {labelName(label)}
            </Table.Th>
          ))}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((row, r) => {
          const total = row.reduce((sum, n) => sum + n, 0);
          return (
            <Table.Tr key={labels[r]}>
              <Table.Th scope="row">{labelName(labels[r]!)}</Table.Th>
              {row.map((count, c) => {
                const part = total ? count / total : 0;
                const { bg, fg } = heat(part);
                return (
                  <Table.Td
                    key={labels[c]}
                    style={{ background: bg, color: fg, fontWeight: r === c ? 700 : 400, minWidth: 72 }}
                    title={`${count} ${labelName(labels[r]!)} predicted ${labelName(labels[c]!)} (${Math.round(part * 100)} % of the row)`}
                    data-cell={`${labels[r]}:${labels[c]}`}
                  >
                    {count}
                  </Table.Td>
                );
              })}
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}
