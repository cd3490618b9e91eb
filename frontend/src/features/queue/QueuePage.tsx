import { Anchor, Alert, Badge, Button, Card, Group, SegmentedControl, Stack, Table, Text, Tooltip } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api } from "@/api/client";
import type { QueueEntry, QueueSummary } from "@/api/contract";
import { keys } from "@/api/keys";
import type { Page } from "@/api/types";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { formatDuration, formatMoney, formatPrice, formatSigned, formatTime, pnlColor } from "@/lib/format";
import { ConfirmButton, PageHeader, QueryState, StatusBadge } from "@/lib/ui";
import { useOptionalQuery } from "@/lib/useSoftQuery";

const RULES: Record<string, string> = {
  pyramid_continuation: "Continues a live group",
  deepest_loss: "Deepest loss below its entry",
  replacement_count: "Replaced most often",
  expected_profit: "Highest expected profit",
  fifo: "Queued first",
  tie: "Tied: queued earlier",
  alone: "Only entry",
};

export function ruleLabel(rule: string): string {
  return RULES[rule] ?? rule.replace(/_/g, " ");
}

function useQueueActions() {
  const client = useQueryClient();
  const done = () => void client.invalidateQueries({ queryKey: keys.queue });
  const options = { onSuccess: done, onError: done };
  return {
    promote: useMutation({ mutationFn: (id: string) => api(`queue/${id}/promote`, { method: "POST" }), ...options }),
    forceAdd: useMutation({ mutationFn: (id: string) => api(`queue/${id}/force-add`, { method: "POST" }), ...options }),
    remove: useMutation({ mutationFn: (id: string) => api(`queue/${id}`, { method: "DELETE" }), ...options }),
    resetBreaker: useMutation({ mutationFn: () => api<QueueSummary>("queue/circuit-breaker/reset", { method: "POST" }), ...options }),
  };
}

function QueuedTable({ entries }: { entries: QueueEntry[] }) {
  const actions = useQueueActions();
  const error = actions.promote.error ?? actions.forceAdd.error ?? actions.remove.error;
  if (!entries.length) {
    return (
      <Text c="dimmed" ta="center" p="md">
        Nothing is waiting: every signal found a free slot.
      </Text>
    );
  }
  return (
    <>
      <ErrorAlert error={error} title="Not done" />
      <Table.ScrollContainer minWidth={900}>
        <Table verticalSpacing="xs" striped data-testid="queue-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Rank</Table.Th>
              <Table.Th>Pair</Table.Th>
              <Table.Th>Why this rank</Table.Th>
              <Table.Th>Loss %</Table.Th>
              <Table.Th>Replaced</Table.Th>
              <Table.Th>Expected profit</Table.Th>
              <Table.Th>In queue</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {entries.map((entry) => (
              <Table.Tr key={entry.id}>
                <Table.Td>
                  <Text fw={700}>#{entry.rank ?? "—"}</Text>
                </Table.Td>
                <Table.Td>
                  <Text fw={600}>{entry.symbol}</Text>
                  <Text size="xs" c="dimmed">
                    {entry.timeframe} · {entry.side} · {entry.exchange} · at {formatPrice(entry.entry_price)}
                  </Text>
                  {entry.is_pyramid_continuation && (
                    <Badge size="xs" variant="light">
                      pyramid
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{ruleLabel(entry.priority_rule)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c={pnlColor(entry.loss_percent)}>
                    {formatSigned(entry.loss_percent, " %")}
                  </Text>
                </Table.Td>
                <Table.Td>{entry.replacement_count}</Table.Td>
                <Table.Td>{formatMoney(entry.expected_profit)}</Table.Td>
                <Table.Td>
                  <Tooltip label={`since ${formatTime(entry.queued_at)}`}>
                    <Text size="sm">{formatDuration(entry.time_in_queue_seconds)}</Text>
                  </Tooltip>
                </Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap" justify="flex-end">
                    <Button size="xs" variant="light" onClick={() => actions.promote.mutate(entry.id)} loading={actions.promote.isPending && actions.promote.variables === entry.id}>
                      Promote
                    </Button>
                    <ConfirmButton size="xs" color="orange" title="Force-add over the pool limit?" message={`${entry.symbol} opens now even though the pool is full.`} confirmLabel="Force-add" onConfirm={() => actions.forceAdd.mutateAsync(entry.id).catch(() => undefined)}>
                      Force-add
                    </ConfirmButton>
                    <ConfirmButton size="xs" title="Remove from the queue?" message={`The ${entry.symbol} signal is dropped; its signal shows it was removed.`} confirmLabel="Remove" onConfirm={() => actions.remove.mutateAsync(entry.id).catch(() => undefined)}>
                      Remove
                    </ConfirmButton>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </>
  );
}

function HistoryTable({ entries }: { entries: QueueEntry[] }) {
  if (!entries.length) return <Text c="dimmed" ta="center" p="md">No entries.</Text>;
  return (
    <Table.ScrollContainer minWidth={700}>
      <Table verticalSpacing="xs" striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Pair</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Reason</Table.Th>
            <Table.Th>Queued</Table.Th>
            <Table.Th>Left</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {entries.map((entry) => (
            <Table.Tr key={entry.id}>
              <Table.Td>
                {entry.position_group ? <Anchor component={Link} to={`/positions/${entry.position_group}`}>{entry.symbol}</Anchor> : entry.symbol} <Text span size="xs" c="dimmed">{entry.timeframe}</Text>
              </Table.Td>
              <Table.Td>
                <StatusBadge status={entry.status} />
              </Table.Td>
              <Table.Td>
                <Text size="sm">{entry.reason || "—"}</Text>
              </Table.Td>
              <Table.Td>{formatTime(entry.queued_at)}</Table.Td>
              <Table.Td>{formatTime(entry.done_at)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export default function QueuePage() {
  const [status, setStatus] = useState("queued");
  const list = useQuery({
    queryKey: keys.queueList(status),
    queryFn: () => api<Page<QueueEntry>>("queue", { query: { status, page_size: 500 } }),
  });
  const summary = useOptionalQuery<QueueSummary>(keys.queueSummary, "queue/summary");
  const { resetBreaker } = useQueueActions();
  const breaker = summary.data?.circuit_breaker;
  return (
    <Stack>
      <PageHeader title="Queue" description="Signals waiting for a free pool slot, in the order they will open.">
        {summary.data && (
          <Badge size="lg" variant="light" data-testid="queue-pool">
            pool {summary.data.open_groups} / {summary.data.max_open_groups} · {summary.data.queued} queued
          </Badge>
        )}
      </PageHeader>
      {breaker?.tripped && (
        <Alert color="red" title="Daily loss circuit breaker tripped">
          <Group justify="space-between">
            <Text size="sm">
              Realized today {formatMoney(breaker.realized_today)} passed the limit of {formatMoney(breaker.limit)}: nothing is promoted until tomorrow (UTC) or a reset.
            </Text>
            <ConfirmButton title="Reset the circuit breaker?" message="Losses count from now and queued entries promote again." confirmLabel="Reset" onConfirm={() => resetBreaker.mutateAsync().catch(() => undefined)}>
              Reset
            </ConfirmButton>
          </Group>
        </Alert>
      )}
      <Card withBorder>
        <SegmentedControl
          mb="sm"
          value={status}
          onChange={setStatus}
          data={[
            { value: "queued", label: "Queued" },
            { value: "promoted", label: "Promoted" },
            { value: "removed", label: "Removed" },
            { value: "cancelled", label: "Cancelled" },
            { value: "failed", label: "Failed" },
          ]}
        />
        <QueryState isLoading={list.isLoading} error={list.error}>
          {status === "queued" ? <QueuedTable entries={list.data?.results ?? []} /> : <HistoryTable entries={list.data?.results ?? []} />}
        </QueryState>
      </Card>
    </Stack>
  );
}
