import { Badge, Stack, Table, Text, Title } from "@mantine/core";
import type { LegacyImport } from "./types";

const STATUS_COLORS: Record<string, string> = { dry_run: "blue", applied: "teal", rolled_back: "gray" };

export function ImportStatus({ status }: { status: string }) {
  return (
    <Badge color={STATUS_COLORS[status] ?? "gray"} variant="light" data-status={status}>
      {status.replace(/_/g, " ")}
    </Badge>
  );
}

/** A legacy import's report: counts per kind, what maps to what, and every problem with its line. */
export function ImportReport({ batch }: { batch: LegacyImport }) {
  const counts = Object.entries(batch.counts ?? {});
  const mapping = batch.report.mapping;
  return (
    <Stack data-testid="import-report">
      <Title order={4}>Counts</Title>
      <Table.ScrollContainer minWidth={520}>
        <Table striped verticalSpacing={4} aria-label="Counts per kind">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Kind</Table.Th>
              <Table.Th scope="col" ta="right">Read</Table.Th>
              <Table.Th scope="col" ta="right">To create</Table.Th>
              <Table.Th scope="col" ta="right">Duplicates</Table.Th>
              <Table.Th scope="col" ta="right">Problems</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {counts.map(([kind, count]) => (
              <Table.Tr key={kind} data-kind={kind}>
                <Table.Th scope="row">{kind.replace(/_/g, " ")}</Table.Th>
                <Table.Td ta="right">{count.read}</Table.Td>
                <Table.Td ta="right">{count.to_create}</Table.Td>
                <Table.Td ta="right">{count.duplicates}</Table.Td>
                <Table.Td ta="right" c={count.problems ? "red" : undefined}>
                  {count.problems}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {mapping.length > 0 && (
        <>
          <Title order={4}>What maps to what</Title>
          <Table.ScrollContainer minWidth={520}>
            <Table striped verticalSpacing={4} aria-label="Mapping">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">From</Table.Th>
                  <Table.Th scope="col">To</Table.Th>
                  <Table.Th scope="col" ta="right">Count</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {mapping.map((row) => (
                  <Table.Tr key={`${row.from}-${row.to}`}>
                    <Table.Td>{row.from}</Table.Td>
                    <Table.Td>{row.to}</Table.Td>
                    <Table.Td ta="right">{row.count}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </>
      )}
      <Title order={4}>Problems</Title>
      {batch.problems.length ? (
        <Table.ScrollContainer minWidth={520}>
          <Table striped verticalSpacing={4} aria-label="Problems" data-testid="import-problems">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Where</Table.Th>
                <Table.Th scope="col">Field</Table.Th>
                <Table.Th scope="col">Problem</Table.Th>
                <Table.Th scope="col">Blocks the apply</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {batch.problems.map((problem, index) => (
                <Table.Tr key={index}>
                  <Table.Td ff="monospace">
                    {problem.file}
                    {problem.line ? `:${problem.line}` : ""}
                  </Table.Td>
                  <Table.Td>{problem.field || "—"}</Table.Td>
                  <Table.Td>{problem.message}</Table.Td>
                  <Table.Td>{problem.blocking ? <Text size="sm" c="red" fw={600}>yes</Text> : "no: the record is skipped"}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : (
        <Text size="sm" c="teal">
          No problems found.
        </Text>
      )}
    </Stack>
  );
}
