import { Alert, Group, Loader, Table, Text, TextInput } from "@mantine/core";
import type { Preview } from "@/api/types";
import { fieldError } from "@/lib/errors";
import { formatDecimal, formatMoney, formatPrice } from "@/lib/format";

export function GridPreview({
  preview,
  error,
  loading,
  entryPrice,
  capital,
  onEntryPrice,
  onCapital,
}: {
  preview: Preview | null;
  error: unknown;
  loading: boolean;
  entryPrice: string;
  capital: string;
  onEntryPrice: (value: string) => void;
  onCapital: (value: string) => void;
}) {
  return (
    <>
      <Group grow mb="sm">
        <TextInput label="Entry price" value={entryPrice} onChange={(e) => onEntryPrice(e.currentTarget.value)} error={fieldError(error, "entry_price")} />
        <TextInput label="Capital per pyramid" value={capital} onChange={(e) => onCapital(e.currentTarget.value)} error={fieldError(error, "capital")} />
      </Group>
      {loading && (
        <Group gap="xs">
          <Loader size="xs" />
          <Text size="sm">Computing the grid…</Text>
        </Group>
      )}
      {!entryPrice.trim() && <Text c="dimmed" size="sm">Type an entry price to see the orders this grid would place.</Text>}
      {error instanceof Error && !loading && (
        <Alert color="red" title="This grid cannot trade" data-testid="preview-error">
          {error.message}
        </Alert>
      )}
      {preview && !error && (
        <Table verticalSpacing={4} data-testid="grid-preview">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Leg</Table.Th>
              <Table.Th>Price</Table.Th>
              <Table.Th>Quantity</Table.Th>
              <Table.Th>Notional</Table.Th>
              <Table.Th>TP</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {preview.legs.map((leg) => (
              <Table.Tr key={leg.level}>
                <Table.Td>{leg.level}</Table.Td>
                <Table.Td>{formatPrice(leg.price)}</Table.Td>
                <Table.Td>{formatDecimal(leg.quantity)}</Table.Td>
                <Table.Td>{formatMoney(leg.notional)}</Table.Td>
                <Table.Td>{formatPrice(leg.tp_price)}</Table.Td>
              </Table.Tr>
            ))}
            <Table.Tr>
              <Table.Td colSpan={3}>
                <Text fw={600} size="sm">
                  Total
                </Text>
              </Table.Td>
              <Table.Td colSpan={2}>
                <Text fw={600} size="sm">
                  {formatMoney(preview.total_notional)}
                </Text>
              </Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
      )}
    </>
  );
}
