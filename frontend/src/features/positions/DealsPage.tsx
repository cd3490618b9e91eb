import { Button, Card, Group, Pagination, Stack, Table, Text, TextInput } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { useState } from "react";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { formatMoney, formatSigned, pnlColor } from "@/lib/format";
import { PageHeader, QueryState } from "@/lib/ui";
import { downloadDealsCsv, useDealTotals, useDeals, type DealFilters, type DealTotals } from "./dealsApi";
import { LifetimeCells, LifetimeHeaders, ListTable, Pair, Pnl, SortHeader, withUnit } from "./cells";
import { pageParam, pickParams, useListParams } from "./listParams";
import { PHONE_QUERY, PositionCard } from "./PositionsTable";

export const DEALS_PAGE_SIZE = 50;

/** The address (symbol, exchange, from/to dates, sort, page) as the deals API's query. Dates
 * are whole UTC days, both ends included. */
export function toDealFilters(params: URLSearchParams): DealFilters {
  const filters: DealFilters = pickParams(params, ["symbol", "exchange", "ordering"]);
  const from = params.get("from");
  if (from && /^\d{4}-\d{2}-\d{2}$/.test(from)) filters.closed_after = `${from}T00:00:00Z`;
  const to = params.get("to");
  if (to && /^\d{4}-\d{2}-\d{2}$/.test(to)) {
    const next = new Date(`${to}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    filters.closed_before = next.toISOString().replace(".000Z", "Z");
  }
  return { ...filters, ...pageParam(params) };
}

export default function DealsPage() {
  const { params, settled, page, set } = useListParams();
  const filters = toDealFilters(settled);
  const query = useDeals(filters, DEALS_PAGE_SIZE);
  const phone = useMediaQuery(PHONE_QUERY);
  const totals = useDealTotals(filters);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const [downloading, setDownloading] = useState(false);
  const download = async () => {
    setDownloadError(null);
    setDownloading(true);
    try {
      await downloadDealsCsv(toDealFilters(params));
    } catch (error) {
      setDownloadError(error);
    } finally {
      setDownloading(false);
    }
  };
  const deals = query.data?.results ?? [];
  const count = query.data?.count ?? 0;
  const pages = Math.max(1, Math.ceil(count / DEALS_PAGE_SIZE));
  const sort = { ordering: params.get("ordering") ?? "-closed_at", onSort: (o: string) => set("ordering", o) };
  return (
    <>
      <PageHeader title="Deal history" description="Closed positions with what each realized, its fees, how long it ran and why it closed.">
        <Button onClick={() => void download()} loading={downloading} variant="light">
          Download CSV
        </Button>
      </PageHeader>
      {downloadError !== null && <ErrorAlert error={downloadError} />}
      <Card withBorder>
        <Group mb="md" grow preventGrowOverflow={false} wrap="wrap">
          <TextInput label="Symbol" placeholder="BTCUSDT" value={params.get("symbol") ?? ""} onChange={(e) => set("symbol", e.currentTarget.value)} maw={200} />
          <TextInput label="Exchange" placeholder="binance" value={params.get("exchange") ?? ""} onChange={(e) => set("exchange", e.currentTarget.value)} maw={200} />
          <TextInput label="Closed from (UTC)" type="date" value={params.get("from") ?? ""} onChange={(e) => set("from", e.currentTarget.value)} maw={200} />
          <TextInput label="Closed to (UTC)" type="date" value={params.get("to") ?? ""} onChange={(e) => set("to", e.currentTarget.value)} maw={200} />
        </Group>
        <QueryState isLoading={query.isLoading} error={query.error}>
          {deals.length === 0 ? (
            <Text c="dimmed" ta="center" p="md">
              No closed deals here yet.
            </Text>
          ) : phone ? (
            <Stack gap="xs" data-testid="deals-cards">
              {deals.map((d) => (
                <PositionCard key={d.id} p={d} />
              ))}
            </Stack>
          ) : (
            <ListTable
              minWidth={1100}
              testId="deals-table"
              head={
                <>
                  <SortHeader label="Pair" sortKey="symbol" sort={sort} />
                  <SortHeader label="Realized" sortKey="realized_pnl" sort={sort} />
                  <SortHeader label="Realized %" sortKey="realized_pnl_percent" sort={sort} />
                  <SortHeader label="Invested" sortKey="invested" sort={sort} />
                  <Table.Th>Entry → exit</Table.Th>
                  <Table.Th>Fees</Table.Th>
                  <LifetimeHeaders sort={sort} />
                  <Table.Th>Exit reason</Table.Th>
                </>
              }
            >
              <Table.Tbody>
                {deals.map((d) => (
                  <Table.Tr key={d.id} data-deal-id={d.id}>
                    <Table.Td>
                      <Pair p={d} />
                    </Table.Td>
                    <Table.Td data-testid="deal-realized">
                      <Pnl amount={d.realized_pnl} percent={null} unit={d.quote_currency} />
                    </Table.Td>
                    <Table.Td>
                      <Text span size="sm" c={pnlColor(d.realized_pnl_percent)}>
                        {formatSigned(d.realized_pnl_percent, " %")}
                      </Text>
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: "nowrap" }}>{formatMoney(d.invested, d.quote_currency)}</Table.Td>
                    <Table.Td style={{ whiteSpace: "nowrap" }}>
                      {withUnit(d.avg_entry, "")} → {withUnit(d.exit_price, d.quote_currency)}
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: "nowrap" }}>{formatMoney(d.fees, d.quote_currency)}</Table.Td>
                    <LifetimeCells p={d} />
                    <Table.Td>{d.exit_reason_label || "—"}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
              {totals.data && <TotalsRow totals={totals.data} />}
            </ListTable>
          )}
        </QueryState>
        <Group justify="space-between" mt="md">
          <Text size="sm" c="dimmed" data-testid="deals-count">
            {count} deal{count === 1 ? "" : "s"}
          </Text>
          <Pagination total={pages} value={Math.min(page, pages)} onChange={(p) => set("page", p > 1 ? String(p) : null)} size="sm" />
        </Group>
      </Card>
    </>
  );
}

/** Every matching deal (all pages): realized PnL per quote currency, never USDT + INR, and wins. */
function TotalsRow({ totals }: { totals: DealTotals }) {
  return (
    <Table.Tfoot>
      <Table.Tr data-testid="deals-totals">
        <Table.Th>{totals.deals === 1 ? "1 deal" : `All ${totals.deals} deals`}</Table.Th>
        <Table.Th colSpan={3}>
          {totals.by_currency.map((total) => (
            <Text key={total.currency} span size="sm" fw={700} c={pnlColor(total.realized_pnl)} mr="sm">
              {formatSigned(total.realized_pnl, ` ${total.currency}`.trimEnd())}
            </Text>
          ))}
        </Table.Th>
        <Table.Th colSpan={6}>
          {totals.wins} win{totals.wins === 1 ? "" : "s"} of {totals.deals}
        </Table.Th>
      </Table.Tr>
    </Table.Tfoot>
  );
}
