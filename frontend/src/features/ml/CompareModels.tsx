import { Group, Select, Table, Text } from "@mantine/core";
import { useState } from "react";
import { QueryState } from "@/lib/ui";
import { useComparison } from "./api";
import type { MLModel, ModelComparison } from "./types";
import { algorithmName, lowerIsBetter, metricName, modelTypeName, score, signedScore } from "./words";

function modelLabel(model: MLModel): string {
  return `${modelTypeName(model.model_type)} v${model.version} · ${algorithmName(model.algorithm)}${model.is_active ? " (active)" : ""}`;
}

/** Green where b does better than a, red where worse (lower is better for the errors). */
function differenceColor(name: string, difference: number | null): string | undefined {
  if (difference === null || difference === 0) return undefined;
  const better = lowerIsBetter(name) ? difference < 0 : difference > 0;
  return better ? "teal.9" : "red.9";
}

function ComparisonTable({ comparison }: { comparison: ModelComparison }) {
  if (!comparison.metrics.length) {
    return (
      <Text size="sm" c="dimmed">
        These two models have no metric in common.
      </Text>
    );
  }
  return (
    <Table verticalSpacing={4} striped data-testid="ml-comparison" aria-label="Two models compared" w="auto" miw={560}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">Metric</Table.Th>
          <Table.Th scope="col">A: v{comparison.a.version}</Table.Th>
          <Table.Th scope="col">B: v{comparison.b.version}</Table.Th>
          <Table.Th scope="col">B − A</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {comparison.metrics.map((metric) => (
          <Table.Tr key={metric.name} data-metric={metric.name}>
            <Table.Th scope="row" fw={500}>
              {metricName(metric.name)}
            </Table.Th>
            <Table.Td>{score(metric.a)}</Table.Td>
            <Table.Td>{score(metric.b)}</Table.Td>
            <Table.Td c={differenceColor(metric.name, metric.difference)}>{signedScore(metric.difference)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** Pick two models: their metrics side by side with the difference. */
export function CompareModels({ models }: { models: MLModel[] }) {
  const [a, setA] = useState<string | null>(null);
  const [b, setB] = useState<string | null>(null);
  const comparison = useComparison(a, b);
  const data = models.map((model) => ({ value: model.id, label: modelLabel(model) }));
  if (models.length < 2) {
    return (
      <Text size="sm" c="dimmed">
        Two models are needed to compare.
      </Text>
    );
  }
  return (
    <>
      <Group align="flex-end" mb="sm">
        <Select label="Model A" data={data} value={a} onChange={setA} w={320} placeholder="Pick a model" />
        <Select label="Model B" data={data.filter((item) => item.value !== a)} value={b} onChange={setB} w={320} placeholder="Pick another" />
      </Group>
      {a && b && a !== b && (
        <QueryState isLoading={comparison.isLoading} error={comparison.error}>
          {comparison.data && <ComparisonTable comparison={comparison.data} />}
        </QueryState>
      )}
    </>
  );
}
