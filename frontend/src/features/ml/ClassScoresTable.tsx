import { Table } from "@mantine/core";
import type { ModelMetrics } from "./types";
import { VERDICT_LABELS } from "./types";
import { labelName, score } from "./words";

/** Precision, recall, F1 and support per verdict (test days), with the training set's count. */
export function ClassScoresTable({ metrics }: { metrics: ModelMetrics }) {
  const perClass = metrics.per_class ?? {};
  const known = VERDICT_LABELS.filter((label) => label in perClass);
  const labels = [...known, ...Object.keys(perClass).filter((label) => !(VERDICT_LABELS as readonly string[]).includes(label))];
  const train = metrics.class_balance?.train ?? {};
  return (
    <Table verticalSpacing={4} striped data-testid="class-scores" aria-label="Scores per class on the test days" w="auto" miw={480}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">Class</Table.Th>
          <Table.Th scope="col">Precision</Table.Th>
          <Table.Th scope="col">Recall</Table.Th>
          <Table.Th scope="col">F1</Table.Th>
          <Table.Th scope="col">Support (test)</Table.Th>
          <Table.Th scope="col">Training samples</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {labels.map((label) => {
          const scores = perClass[label]!;
          return (
            <Table.Tr key={label} data-class={label}>
              <Table.Th scope="row">{labelName(label)}</Table.Th>
              <Table.Td>{score(scores.precision, 2)}</Table.Td>
              <Table.Td>{score(scores.recall, 2)}</Table.Td>
              <Table.Td>{score(scores.f1, 2)}</Table.Td>
              <Table.Td>{scores.support}</Table.Td>
              <Table.Td>{train[label] ?? "—"}</Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}
