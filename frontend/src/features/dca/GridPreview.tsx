import { Alert, Group, Loader, SimpleGrid, Stack, Table, Text, TextInput } from "@mantine/core";
import type { Preview } from "@/api/types";
import { fieldError } from "@/lib/errors";
import { formatPercent, formatTo, ladderRows, precisionOf } from "./ladder";

/** The entry price, the pyramid's totals and 3Commas' "max deviation covered". */
export function PreviewSummary({
  preview,
  error,
  loading,
  entryPrice,
  entryFromTicker,
  onEntryPrice,
  quote,
}: {
  preview: Preview | null;
  error: unknown;
  loading: boolean;
  entryPrice: string;
  entryFromTicker: boolean;
  onEntryPrice: (value: string) => void;
  quote: string;
}) {
  const p = preview ? precisionOf(preview) : null;
  return (
    <Stack gap="xs">
      <TextInput
        label="Entry price"
        description={entryFromTicker ? "Filled from the last price; type another to try it" : "Empty: the last price"}
        value={entryPrice}
        onChange={(e) => onEntryPrice(e.currentTarget.value)}
        error={fieldError(error, "entry_price")}
      />
      {loading && (
        <Group gap="xs">
          <Loader size="xs" />
          <Text size="sm">Computing the grid…</Text>
        </Group>
      )}
      {error instanceof Error && !loading && (
        <Alert color="red" title="This grid cannot trade" data-testid="preview-error">
          {error.message}
        </Alert>
      )}
      {preview && p && !error && (
        <SimpleGrid cols={3} data-testid="preview-summary">
          <Figure label="Capital per pyramid" value={`${formatTo(preview.capital, p.quote)} ${quote}`} />
          <Figure label="Placed (after rounding)" value={`${formatTo(preview.total_notional, p.quote)} ${quote}`} />
          <Figure label="Max deviation covered" value={formatPercent(preview.max_deviation_percent)} />
        </SimpleGrid>
      )}
    </Stack>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600} size="sm">
        {value}
      </Text>
    </div>
  );
}

/** One row per leg: where it sits, what it buys, and the position once it fills. */
export function GridPreview({ preview, showLegTp }: { preview: Preview; showLegTp: boolean }) {
  const rows = ladderRows(preview);
  const p = precisionOf(preview);
  return (
    <Table.ScrollContainer minWidth={820}>
      <Table verticalSpacing={4} striped data-testid="grid-preview">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Leg</Table.Th>
            <Table.Th>Price</Table.Th>
            <Table.Th>From entry</Table.Th>
            <Table.Th>Order size</Table.Th>
            <Table.Th>Quantity</Table.Th>
            <Table.Th>Size so far</Table.Th>
            <Table.Th>Quantity so far</Table.Th>
            <Table.Th>Average price</Table.Th>
            {showLegTp && <Table.Th>Leg TP</Table.Th>}
            <Table.Th>TP on average</Table.Th>
            <Table.Th>Rebound needed</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.leg} data-testid={`ladder-row-${row.leg}`}>
              <Table.Td>{row.leg === 0 ? "Base" : row.leg}</Table.Td>
              <Table.Td>{row.price}</Table.Td>
              <Table.Td>{row.deviation}</Table.Td>
              <Table.Td>{row.orderSize}</Table.Td>
              <Table.Td>{row.quantity}</Table.Td>
              <Table.Td>{row.cumulativeSize}</Table.Td>
              <Table.Td>{row.cumulativeQuantity}</Table.Td>
              <Table.Td>{row.averagePrice}</Table.Td>
              {showLegTp && <Table.Td>{row.legTp}</Table.Td>}
              <Table.Td>{row.averageTp}</Table.Td>
              <Table.Td>{row.rebound}</Table.Td>
            </Table.Tr>
          ))}
          <Table.Tr>
            <Table.Td colSpan={3}>
              <Text fw={600} size="sm">
                Total
              </Text>
            </Table.Td>
            <Table.Td>
              <Text fw={600} size="sm">
                {formatTo(preview.total_notional, p.quote)}
              </Text>
            </Table.Td>
            <Table.Td colSpan={showLegTp ? 7 : 6}>
              <Text size="sm" c="dimmed">
                Max deviation covered: {formatPercent(preview.max_deviation_percent)}
              </Text>
            </Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
