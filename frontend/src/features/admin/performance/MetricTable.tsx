// One "table" panel of the dashboard (endpoints, task durations, orders, service uptime): the
// API's columns and rows as they come, numbers formatted and right-aligned.
import { Table } from "@mantine/core";
import { formatValue } from "./metricData";
import type { Cell } from "./types";

const isNumeric = (value: Cell) => typeof value === "number" || (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value));

export function MetricTable({ columns, rows, label }: { columns: string[]; rows: Cell[][]; label: string }) {
  return (
    <Table.ScrollContainer minWidth={420}>
      <Table striped highlightOnHover aria-label={label} data-testid="metric-table" data-rows={rows.length}>
        <Table.Thead>
          <Table.Tr>
            {columns.map((column, index) => (
              <Table.Th key={column} style={{ textAlign: index === 0 ? "left" : "right" }}>
                {column}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row, rowIndex) => (
            <Table.Tr key={`${String(row[0])}-${rowIndex}`}>
              {row.map((cell, index) => (
                <Table.Td key={columns[index] ?? index} style={{ textAlign: index > 0 && (isNumeric(cell) || cell === null) ? "right" : "left" }}>
                  {index === 0 ? String(cell ?? "—") : formatValue(cell)}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
