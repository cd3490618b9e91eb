import { Anchor, Badge, Card, Code, Group, Pagination, Select, Stack, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api } from "@/api/client";
import { keys } from "@/api/keys";
import type { Page, Signal } from "@/api/types";
import { formatTime } from "@/lib/format";
import { PageHeader, QueryState } from "@/lib/ui";
import { OUTCOME_COLORS, OUTCOME_OPTIONS, reasonText } from "./signalView";

const PAGE_SIZE = 50;
const INTENTS = [
  { value: "signal", label: "Entry / pyramid" },
  { value: "exit", label: "Exit" },
  { value: "reduce", label: "Reduce" },
  { value: "reverse", label: "Reverse" },
];

export function OutcomeBadge({ outcome }: { outcome: Signal["outcome"] }) {
  return (
    <Badge color={OUTCOME_COLORS[outcome] ?? "gray"} variant="light" data-outcome={outcome}>
      {outcome}
    </Badge>
  );
}

export function SignalReason({ signal }: { signal: Pick<Signal, "reason" | "reason_field"> }) {
  if (!signal.reason) return null;
  return (
    <Text size="sm" style={{ wordBreak: "break-word" }}>
      {signal.reason_field && <Code mr={6}>{signal.reason_field}</Code>}
      {reasonText(signal)}
    </Text>
  );
}

export function SignalRows({ signals }: { signals: Signal[] }) {
  const navigate = useNavigate();
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table verticalSpacing="xs" striped highlightOnHover data-testid="signals-table">
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
                  <Anchor component={Link} to={`/positions/${s.position_group}`} size="sm" onClick={(e) => e.stopPropagation()}>
                    Open
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
  const [symbol, setSymbol] = useState(params.get("symbol") ?? "");
  const [debouncedSymbol] = useDebouncedValue(symbol, 300);
  const page = Number(params.get("page") ?? "1") || 1;
  const set = (name: string, value: string | null) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      if (value) next.set(name, value);
      else next.delete(name);
      if (name !== "page") next.delete("page");
      return next;
    });
  const query = {
    outcome: params.get("outcome"),
    intent_type: params.get("intent_type"),
    received_after: params.get("received_after"),
    symbol: debouncedSymbol.trim() || null,
    page,
    page_size: PAGE_SIZE,
  };
  const signals = useQuery({
    queryKey: [...keys.signals, "list", query],
    queryFn: () => api<Page<Signal>>("signals", { query }),
    placeholderData: keepPreviousData,
  });
  const filtered = Boolean(query.outcome || query.intent_type || query.symbol || query.received_after);
  const count = signals.data?.count ?? 0;
  return (
    <Stack>
      <PageHeader title="Signals" description="Every alert your webhook received: what the engine did with it, or why it was refused. Updates live." />
      <Group align="flex-end">
        <Select label="Outcome" placeholder="All" data={OUTCOME_OPTIONS} value={query.outcome} onChange={(v) => set("outcome", v)} clearable w={240} />
        <Select label="Type" placeholder="All" data={INTENTS} value={query.intent_type} onChange={(v) => set("intent_type", v)} clearable w={180} />
        <TextInput label="Symbol" placeholder="BTCUSDT" value={symbol} onChange={(e) => setSymbol(e.currentTarget.value)} onBlur={() => set("symbol", symbol.trim() || null)} w={160} />
        {query.received_after && (
          <Text size="sm" c="dimmed">
            since {formatTime(query.received_after)}{" "}
            <Anchor component="button" size="sm" onClick={() => set("received_after", null)}>
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
              {!filtered && (
                <Text size="sm" c="dimmed" ta="center">
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
        {count > PAGE_SIZE && (
          <Group justify="space-between">
            <Text size="sm" c="dimmed">
              {count} signals
            </Text>
            <Pagination total={Math.ceil(count / PAGE_SIZE)} value={page} onChange={(p) => set("page", String(p))} size="sm" />
          </Group>
        )}
      </QueryState>
    </Stack>
  );
}
