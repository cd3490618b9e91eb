import { ActionIcon, Button, Group, Table, Text, TextInput } from "@mantine/core";
import type { DCALevel } from "@/api/types";
import { fieldError } from "@/lib/errors";
import { weightSum } from "./model";

/** The explicit grid. `showTp`: per-leg take-profits matter only when legs close on their own
 * (per-leg and hybrid modes); with one target on the average they are kept but not shown. */
export function LevelsEditor({ levels, onChange, error, showTp = true }: { levels: DCALevel[]; onChange: (levels: DCALevel[]) => void; error: unknown; showTp?: boolean }) {
  const fields = showTp ? (["gap_percent", "weight_percent", "tp_percent"] as const) : (["gap_percent", "weight_percent"] as const);
  const set = (index: number, field: keyof DCALevel, value: string) =>
    onChange(levels.map((level, i) => (i === index ? { ...level, [field]: value } : level)));
  const sum = weightSum(levels);
  const general = fieldError(error, "levels");
  return (
    <>
      <Table verticalSpacing={4} data-testid="levels-editor">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Leg</Table.Th>
            <Table.Th>Gap % from entry</Table.Th>
            <Table.Th>Weight %</Table.Th>
            {showTp && <Table.Th>TP %</Table.Th>}
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {levels.map((level, index) => (
            <Table.Tr key={index}>
              <Table.Td>{index}</Table.Td>
              {fields.map((field) => (
                <Table.Td key={field}>
                  <TextInput
                    size="xs"
                    aria-label={`Leg ${index} ${field.replace("_", " ")}`}
                    value={level[field]}
                    onChange={(e) => set(index, field, e.currentTarget.value)}
                    error={fieldError(error, `levels.${index}.${field}`)}
                  />
                </Table.Td>
              ))}
              <Table.Td>
                <ActionIcon variant="subtle" color="red" aria-label={`Remove leg ${index}`} disabled={levels.length <= 1} onClick={() => onChange(levels.filter((_, i) => i !== index))}>
                  ✕
                </ActionIcon>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group justify="space-between" mt="xs">
        <Button size="xs" variant="light" onClick={() => onChange([...levels, { gap_percent: String(-levels.length), weight_percent: "0", tp_percent: levels.at(-1)?.tp_percent ?? "1" }])}>
          Add a leg
        </Button>
        <Text size="sm" c={Math.abs(sum - 100) > 0.01 ? "red" : "dimmed"}>
          Weights: {sum.toLocaleString("en-US", { maximumFractionDigits: 4 })} % of 100 %
        </Text>
      </Group>
      {general && (
        <Text c="red" size="sm" mt={4} role="alert" data-testid="levels-error">
          {general}
        </Text>
      )}
    </>
  );
}
