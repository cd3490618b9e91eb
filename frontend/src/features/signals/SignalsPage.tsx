import { Anchor, Button, Card, Group, Pagination, Select, Stack, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api } from "@/api/client";
import { keys } from "@/api/keys";
import type { Page, Signal } from "@/api/types";
import { formatTime } from "@/lib/format";
import { PageHeader, QueryState } from "@/lib/ui";
import { OutcomeBadge, SignalReason } from "./SignalParts";
import { OUTCOME_FILTER_OPTIONS, PERIODS, periodStart, REFUSALS, signalsQuery } from "./signalView";

const PAGE_SIZE = 50;
const INTENTS = [
  { value: "signal", label: "Entry / pyramid" },
  { value: "exit", label: "Exit" },
  { value: "reduce", label: "Reduce" },
  { value: "reverse", label: "Reverse" },
];

export function SignalRows({ signals }: { signals: Signal[] }) {
  const navigate = useNavigate();
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table verticalSpacing="xs" striped highlightOnHover data-testid="signals-table" aria-label="Signals">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Received</Table.Th>
            <Table.Th>Pair</Table.Th>
            <Table.Th>Side</Table.Th>
            <Table.Th>Type</Table.Th>
            <Table.Th>Outcome</Table.Th>
            <Table.Th>Reason</Table.Th>
            <Table.Th>Position</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {signals.map((s) => (
            <Table.Tr key={s.id} data-signal-id={s.id} data-outcome={s.outcome} style={{ cursor: "pointer" }} onClick={() => navigate(`/signals/${s.id}`)}>
              <Table.Td style={{ whiteSpace: "nowrap" }}>
                <Anchor component={Link} to={`/signals/${s.id}`} size="sm" onClick={(e) => e.stopPropagation()}>
                  {formatTime(s.received_at)}
                </Anchor>
              </Table.Td>
              <Table.Td>
                <Text size="sm">
                  {s.symbol || "—"} {s.timeframe && <Text span c="dimmed" size="xs">{s.timeframe}</Text>}
                </Text>
              </Table.Td>
              <Table.Td>{s.side || "—"}</Table.Td>
              <Table.Td>
                <Text size="sm">{s.intent_type || "—"}</Text>
                {s.classification && s.classification !== s.intent_type && (
                  <Text size="xs" c="dimmed">
                    {s.classification.replace(/_/g, " ")}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <OutcomeBadge outcome={s.outcome} />
              </Table.Td>
              <Table.Td maw={420}>
                <SignalReason signal={s} />
              </Table.Td>
              <Table.Td>
                {s.position_group ? (
                  <Anchor component={Link} to={`/positions/${s.position_group}`} size="sm" onClick={(e) => e.stopPropagation()} aria-label={`View the ${s.symbol} position`}>
                    View
                  </Anchor>
                ) : (
                  "—"
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export default function SignalsPage() {
  const [params, setParams] = useSearchParams();
  const urlSymbol = params.get("symbol") ?? "";
  const [symbol, setSymbol] = useState(urlSymbol);
  const [debouncedSymbol] = useDebouncedValue(symbol, 300);
  const page = Number(params.get("page") ?? "1") || 1;
  const period = params.get("period");
  // The period's start is fixed when it is chosen: live refetches keep the same query key.
  const since = useMemo(() => periodStart(period, Date.now()), [period]);
  const update = (changes: Record<string, string | null>) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      for (const [name, value] of Object.entries(changes)) {
        if (value) next.set(name, value);
        else next.delete(name);
      }
      if (!("page" in changes)) next.delete("page");
      return next;
    });
  // The symbol box follows the address (the menu's link clears it) and, once typing pauses, leads it.
  useEffect(() => setSymbol(urlSymbol), [urlSymbol]);
  useEffect(() => {
    // Only a settled new value is committed (and goes back to the first page).
    if (debouncedSymbol.trim() !== urlSymbol) update({ symbol: debouncedSymbol.trim() || null });
  }, [debouncedSymbol]);
  const query = signalsQuery(params, since, page, PAGE_SIZE);
  const signals = useQuery({
    queryKey: [...keys.signals, "list", query],
    queryFn: () => api<Page<Signal>>("signals", { query }),
    placeholderData: keepPreviousData,
  });
  const outcome = query.status === REFUSALS ? REFUSALS : query.outcome;
  const filtered = Boolean(outcome || query.intent_type || query.symbol || query.received_after);
  const count = signals.data?.count ?? 0;
  const clear = () => {
    setSymbol("");
    setParams(new URLSearchParams());
  };
  return (
    <Stack>
      <PageHeader title="Signals" description="Every alert your webhook received: what the engine did with it, or why it was refused. Updates live." />
      <Group align="flex-end">
        <Select
          label="Outcome"
          placeholder="All"
          data={OUTCOME_FILTER_OPTIONS}
          value={outcome}
          onChange={(v) => update(v === REFUSALS ? { status: REFUSALS, outcome: null } : { outcome: v, status: null })}
          clearable
          w={240}
        />
        <Select label="Type" placeholder="All" data={INTENTS} value={query.intent_type} onChange={(v) => update({ intent_type: v })} clearable w={180} />
        <TextInput label="Symbol" placeholder="BTCUSDT" value={symbol} onChange={(e) => setSymbol(e.currentTarget.value)} w={160} />
        <Select
          label="Received"
          placeholder="Any time"
          data={PERIODS}
          value={params.get("received_after") ? null : period}
          onChange={(v) => update({ period: v, received_after: null })}
          clearable
          w={180}
        />
        {params.get("received_after") && (
          <Text size="sm" c="dimmed">
            since {formatTime(params.get("received_after"))}{" "}
            <Anchor component="button" size="sm" onClick={() => update({ received_after: null })}>
              show all
            </Anchor>
          </Text>
        )}
      </Group>
      <QueryState isLoading={signals.isLoading} error={signals.error}>
        <Card withBorder padding={0}>
          {count === 0 ? (
            <Stack align="center" p="xl" gap="xs" data-testid="signals-empty">
              <Text fw={500}>{filtered ? "No signal matches these filters." : "No signal yet."}</Text>
              {filtered ? (
                <Button variant="subtle" size="xs" onClick={clear}>
                  Clear the filters
                </Button>
              ) : (
                <Text size="sm" c="dimmed" ta="center" maw={560}>
                  Copy the alert message from{" "}
                  <Anchor component={Link} to="/webhook">
                    Webhook setup
                  </Anchor>{" "}
                  into a TradingView alert, or press a test button there: every alert shows up here, accepted or refused.
                </Text>
              )}
            </Stack>
          ) : (
            <SignalRows signals={signals.data?.results ?? []} />
          )}
        </Card>
        {count > 0 && (
          <Group justify="space-between">
            <Text size="sm" c="dimmed">
              {count} signal{count === 1 ? "" : "s"}
            </Text>
            {count > PAGE_SIZE && (
              <Pagination total={Math.ceil(count / PAGE_SIZE)} value={page} onChange={(p) => update({ page: String(p) })} size="sm" getControlProps={(control) => ({ "aria-label": `${control} page` })} />
            )}
          </Group>
        )}
      </QueryState>
    </Stack>
  );
}
