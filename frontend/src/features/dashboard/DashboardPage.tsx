import { Alert, Anchor, Badge, Card, CloseButton, Group, Progress, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api } from "@/api/client";
import type { QueueSummary, ServiceStatus } from "@/api/contract";
import { keys } from "@/api/keys";
import type { ErrorLog, Page, Performance, Signal, TradingConfig } from "@/api/types";
import { useLiveState } from "@/live/LiveEvents";
import { formatDecimal, formatSigned, timeAgo } from "@/lib/format";
import { useOptionalQuery } from "@/lib/useSoftQuery";
import { PageHeader } from "@/lib/ui";
import { usePositions } from "@/features/positions/api";
import { PositionsTable } from "@/features/positions/PositionsTable";
import { SignalReason } from "@/features/signals/SignalParts";
import { OUTCOME_COLORS } from "@/features/signals/signalView";
import { EquityCurve } from "./EquityCurve";
import { PnlCards } from "./PnlCards";
import { Tile } from "./Tile";

export default function DashboardPage() {
  const live = useLiveState();
  const open = usePositions({ open: "true" });
  const config = useQuery({ queryKey: keys.tradingConfig, queryFn: () => api<TradingConfig>("trading-config") });
  const performance = useQuery({ queryKey: keys.performance(30), queryFn: () => api<Performance>("performance", { query: { days: 30 } }) });
  const lastSignal = useQuery({ queryKey: keys.lastSignal, queryFn: () => api<Page<Signal>>("signals", { query: { page_size: 1 } }) });
  const errors = useQuery({ queryKey: [...keys.errors, "unresolved"], queryFn: () => api<Page<ErrorLog>>("logs/errors", { query: { resolved: "false", page_size: 5 } }) });
  const summary = useOptionalQuery<QueueSummary>(keys.queueSummary, "queue/summary");
  const service = useOptionalQuery<ServiceStatus>(keys.serviceStatus, "service/status");

  const groups = open.data?.results ?? [];
  // The queue's summary counts the pool as the engine does; without it, open groups.
  const counted = summary.data?.open_groups ?? groups.length;
  const max = summary.data?.max_open_groups ?? config.data?.config.max_open_groups ?? 0;
  const currency = performance.data?.currency ?? "";
  const signal = lastSignal.data?.results[0];
  const since = useState(() => new Date(Date.now() - 24 * 3600 * 1000).toISOString())[0];
  // Every refusal, stale alerts too (status=rejected): both need the trader to fix the alert.
  const refused = useQuery({
    queryKey: [...keys.signals, "refused", since],
    queryFn: () => api<Page<Signal>>("signals", { query: { status: "rejected", received_after: since, page_size: 1 } }),
  });
  const refusedCount = refused.data?.count ?? 0;
  const latestRefused = refused.data?.results[0];
  const queued = summary.data ? summary.data.queued : null;
  const breaker = summary.data?.circuit_breaker;
  const riskOn = config.data?.config.risk_engine_enabled;

  return (
    <Stack>
      <PageHeader title="Dashboard" description="Your live groups, the pool and how the last 30 days went." />
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }}>
        <Tile label="Pool usage" testId="pool-usage">
          <Text fw={700} size="lg">
            {counted} / {max || "—"}
          </Text>
          <Progress value={max ? Math.min(100, (counted / max) * 100) : 0} color={counted >= max && max ? "orange" : "blue"} mt={6} aria-label="Pool usage" />
        </Tile>
        <Tile label="Queued signals" testId="queued-count">
          <Text fw={700} size="lg">
            {queued === null ? "—" : queued}
          </Text>
          {breaker?.tripped ? (
            <Badge color="red" size="sm">
              circuit breaker tripped
            </Badge>
          ) : (
            <Anchor component={Link} to="/queue" size="xs">
              Open the queue
            </Anchor>
          )}
        </Tile>
        <Tile label="Last webhook" testId="last-webhook">
          <Text fw={700} size="lg">
            {signal ? (
              <Anchor component={Link} to={`/signals/${signal.id}`} inherit>
                {timeAgo(signal.received_at)}
              </Anchor>
            ) : (
              "never"
            )}
          </Text>
          {signal ? (
            <>
              <Text size="xs" c="dimmed">
                {signal.symbol} {signal.side} · <Text span c={OUTCOME_COLORS[signal.outcome]} inherit fw={600}>{signal.outcome}</Text>
              </Text>
              {signal.reason && (signal.outcome === "refused" || signal.outcome === "stale") && (
                <Text size="xs" c="red" lineClamp={2} title={signal.reason} data-testid="last-webhook-reason">
                  <SignalReason signal={signal} size="xs" />
                </Text>
              )}
            </>
          ) : (
            <Anchor component={Link} to="/webhook" size="xs">
              Set up the webhook
            </Anchor>
          )}
        </Tile>
        <Tile label="Service" testId="service-status">
          {service.data === null || service.data === undefined ? (
            <Text c="dimmed">—</Text>
          ) : (
            <>
              <Badge color={service.data.service_running ? "teal" : "red"} size="lg">
                {service.data.service_running ? "Running" : "Stopped"}
              </Badge>
              <Text size="xs" c="dimmed" mt={4}>
                heartbeat {timeAgo(service.data.last_heartbeat)}
              </Text>
            </>
          )}
        </Tile>
        <Tile label="Risk engine" testId="risk-status">
          <Badge color={riskOn ? "teal" : "gray"} size="lg">
            {riskOn === undefined ? "—" : riskOn ? "On" : "Off"}
          </Badge>
          <Anchor component={Link} to="/risk" size="xs" display="block" mt={4}>
            Risk page
          </Anchor>
        </Tile>
      </SimpleGrid>
      <PnlCards performance={performance.data} days={30} />

      {refusedCount > 0 && latestRefused && (
        <Alert color="red" title={`${refusedCount} signal${refusedCount === 1 ? " was" : "s were"} refused in the last 24 hours`} data-testid="refused-signals">
          <Text size="sm">
            Latest:{" "}
            <Anchor component={Link} to={`/signals/${latestRefused.id}`} size="sm">
              {latestRefused.symbol || "an alert"}
            </Anchor>{" "}
            <SignalReason signal={latestRefused} />{" "}
            <Anchor component={Link} to="/signals?status=rejected&period=24h" size="sm" fw={600}>
              See them all
            </Anchor>
          </Text>
        </Alert>
      )}
      {(live.alerts.length > 0 || (errors.data?.count ?? 0) > 0) && (
        <Card withBorder>
          <Title order={4} mb="xs">
            Alerts
          </Title>
          <Stack gap="xs">
            {live.alerts.map((alert) => (
              <Alert key={alert.id} color={alert.level === "error" ? "red" : alert.level === "warning" ? "yellow" : "blue"} withCloseButton={false}>
                <Group justify="space-between" wrap="nowrap">
                  <Text size="sm">
                    {alert.message}{" "}
                    {alert.signalId && (
                      <Anchor component={Link} to={`/signals/${alert.signalId}`} size="sm">
                        See the signal
                      </Anchor>
                    )}
                  </Text>
                  <CloseButton aria-label="Dismiss" onClick={() => live.dismissAlert(alert.id)} />
                </Group>
              </Alert>
            ))}
            {(errors.data?.count ?? 0) > 0 && (
              <Alert color="red">
                {errors.data?.count} unresolved error{errors.data?.count === 1 ? "" : "s"}.{" "}
                <Anchor component={Link} to="/logs?tab=errors">
                  See them
                </Anchor>
              </Alert>
            )}
          </Stack>
        </Card>
      )}

      <Card withBorder>
        <Group justify="space-between" mb="xs">
          <Title order={4}>Live groups</Title>
          <Anchor component={Link} to="/positions" size="sm">
            All positions
          </Anchor>
        </Group>
        <PositionsTable positions={groups} compact />
      </Card>

      <Card withBorder>
        <Group justify="space-between" mb="xs">
          <Title order={4}>Equity curve (realized, 30 days{currency ? `, ${currency}` : ""})</Title>
          {performance.data && (
            <Text size="sm" c="dimmed">
              win rate {performance.data.win_rate === null ? "—" : `${formatDecimal(performance.data.win_rate, 2)} %`} · max drawdown {formatSigned(performance.data.max_drawdown)} {currency}
            </Text>
          )}
        </Group>
        <EquityCurve performance={performance.data} />
      </Card>
    </Stack>
  );
}
