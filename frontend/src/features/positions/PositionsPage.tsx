import { Card, Group, Pagination, Select, Text, TextInput } from "@mantine/core";
import { PageHeader, QueryState } from "@/lib/ui";
import { useWatchPositions } from "@/live/LiveEvents";
import { isOpenStatus, usePositions, type PositionFilters } from "./api";
import { pageParam, pickParams, useListParams } from "./listParams";
import { PositionsTable } from "./PositionsTable";

const STATUS_OPTIONS = [
  { value: "open", label: "Open" },
  { value: "closed_or_failed", label: "Closed or failed" },
  { value: "all", label: "All" },
  { value: "waiting", label: "Waiting" },
  { value: "live", label: "Live" },
  { value: "partially_filled", label: "Partially filled" },
  { value: "active", label: "Active" },
  { value: "closing", label: "Closing" },
  { value: "closed", label: "Closed" },
  { value: "failed", label: "Failed" },
];

export const PAGE_SIZES = ["25", "50", "100", "200"];
export const DEFAULT_PAGE_SIZE = 50;

/** The address's filters, sort and page (what a shared link reopens) as the API's query. */
export function toApiFilters(params: URLSearchParams): PositionFilters {
  const filters: PositionFilters = {};
  const status = params.get("status") ?? "open";
  if (status === "open") filters.open = "true";
  else if (status === "closed_or_failed") filters.open = "false";
  else if (status !== "all") filters.status = status;
  return { ...filters, ...pickParams(params, ["symbol", "exchange", "timeframe", "ordering"]), ...pageParam(params) };
}

export function pageSizeOf(params: URLSearchParams): number {
  const size = params.get("page_size");
  return size && PAGE_SIZES.includes(size) ? Number(size) : DEFAULT_PAGE_SIZE;
}

export default function PositionsPage() {
  const { params, settled, page, set } = useListParams();
  const pageSize = pageSizeOf(settled);
  const query = usePositions(toApiFilters(settled), pageSize);
  useWatchPositions((query.data?.results ?? []).filter((row) => isOpenStatus(row.status)).map((row) => row.id));
  const count = query.data?.count ?? 0;
  const pages = Math.max(1, Math.ceil(count / pageSize));
  return (
    <>
      <PageHeader title="Positions" description="Position groups: one per pair, timeframe and side, with its pyramids and DCA legs." />
      <Card withBorder>
        <Group mb="md" grow preventGrowOverflow={false} wrap="wrap">
          <Select label="Status" data={STATUS_OPTIONS} value={params.get("status") ?? "open"} onChange={(v) => set("status", v)} allowDeselect={false} maw={220} />
          <TextInput label="Symbol" placeholder="BTCUSDT" value={params.get("symbol") ?? ""} onChange={(e) => set("symbol", e.currentTarget.value)} maw={200} />
          <TextInput label="Exchange" placeholder="binance" value={params.get("exchange") ?? ""} onChange={(e) => set("exchange", e.currentTarget.value)} maw={200} />
          <TextInput label="Timeframe" placeholder="60" value={params.get("timeframe") ?? ""} onChange={(e) => set("timeframe", e.currentTarget.value)} maw={160} />
        </Group>
        <QueryState isLoading={query.isLoading} error={query.error}>
          <PositionsTable positions={query.data?.results ?? []} sort={{ ordering: params.get("ordering") ?? "-opened_at", onSort: (o) => set("ordering", o) }} />
        </QueryState>
        <Group justify="space-between" mt="md" wrap="wrap">
          <Text size="sm" c="dimmed" data-testid="positions-count">
            {count} position{count === 1 ? "" : "s"}
          </Text>
          <Pagination total={pages} value={Math.min(page, pages)} onChange={(p) => set("page", p > 1 ? String(p) : null)} size="sm" />
          <Select
            aria-label="Rows per page"
            data={PAGE_SIZES.map((v) => ({ value: v, label: `${v} per page` }))}
            value={String(pageSize)}
            onChange={(v) => set("page_size", v === String(DEFAULT_PAGE_SIZE) ? null : v)}
            allowDeselect={false}
            w={140}
            size="xs"
          />
        </Group>
      </Card>
    </>
  );
}
