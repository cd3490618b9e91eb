import { Card, Group, Select, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useSearchParams } from "react-router";
import { PageHeader, QueryState } from "@/lib/ui";
import { usePositions, type PositionFilters } from "./api";
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

export function toApiFilters(params: URLSearchParams): PositionFilters {
  const filters: PositionFilters = {};
  const status = params.get("status") ?? "open";
  if (status === "open") filters.open = "true";
  else if (status === "closed_or_failed") filters.open = "false";
  else if (status !== "all") filters.status = status;
  for (const key of ["symbol", "exchange", "timeframe"]) {
    const value = params.get(key);
    if (value) filters[key] = value;
  }
  return filters;
}

export default function PositionsPage() {
  const [params, setParams] = useSearchParams();
  const [debounced] = useDebouncedValue(params.toString(), 250);
  const query = usePositions(toApiFilters(new URLSearchParams(debounced)));
  const set = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
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
          <PositionsTable positions={query.data?.results ?? []} />
        </QueryState>
      </Card>
    </>
  );
}
