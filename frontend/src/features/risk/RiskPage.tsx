import { Anchor, Alert, Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { api } from "@/api/client";
import type { RiskAction, RiskGroup, RiskPanel, RiskRunResult } from "@/api/contract";
import { keys } from "@/api/keys";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { formatDecimal, formatDuration, formatMoney, formatPrice, formatSigned, formatTime, pnlColor } from "@/lib/format";
import { ConfirmButton, PageHeader, QueryState } from "@/lib/ui";
import { useCountdown } from "./useCountdown";

const STATE_LOOK: Record<string, { color: string; label: string }> = {
  not_eligible: { color: "gray", label: "not eligible" },
  timer: { color: "yellow", label: "timer running" },
  expired: { color: "red", label: "loser next cycle" },
  recovered: { color: "teal", label: "recovered" },
  blocked: { color: "dark", label: "blocked" },
  skip_once: { color: "violet", label: "skipped once" },
};

function TimerCell({ group }: { group: RiskGroup }) {
  const left = useCountdown(group.timer_expires_at);
  if (left === null) return <Text size="sm" c="dimmed">—</Text>;
  return <Text size="sm" fw={left === 0 ? 700 : undefined}>{left === 0 ? "expired" : formatDuration(left)}</Text>;
}

function useRiskActions() {
  const client = useQueryClient();
  const done = () => void client.invalidateQueries({ queryKey: keys.risk });
  return {
    run: useMutation({
      mutationFn: () => api<RiskRunResult>("risk/run", { method: "POST" }),
      onSuccess: (result) => {
        notifications.show({ color: result.action ? "orange" : "blue", message: result.action ? `Closed ${result.action.symbol}, covered ${formatMoney(result.action.covered)}` : (result.reason ?? "Nothing to do") });
        done();
      },
    }),
    skip: useMutation({ mutationFn: (id: string) => api(`risk/groups/${id}/skip-once`, { method: "POST" }), onSuccess: done }),
    block: useMutation({ mutationFn: ({ id, blocked }: { id: string; blocked: boolean }) => api(`risk/groups/${id}/block`, { method: blocked ? "POST" : "DELETE" }), onSuccess: done }),
  };
}

function GroupsTable({ groups }: { groups: RiskGroup[] }) {
  const actions = useRiskActions();
  if (!groups.length) return <Text c="dimmed" ta="center" p="md">No open groups.</Text>;
  return (
    <>
      <ErrorAlert error={actions.skip.error ?? actions.block.error} />
      <Table.ScrollContainer minWidth={900}>
        <Table verticalSpacing="xs" striped data-testid="risk-groups">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Group</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>Loss</Table.Th>
              <Table.Th>Timer</Table.Th>
              <Table.Th>Pyramids</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {groups.map((group) => {
              const look = STATE_LOOK[group.state] ?? { color: "gray", label: group.state };
              return (
                <Table.Tr key={group.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/positions/${group.id}`}>{group.symbol}</Anchor>{" "}
                    <Text span size="xs" c="dimmed">
                      {group.timeframe} · at {formatPrice(group.price)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={look.color} variant="light">
                      {look.label}
                    </Badge>
                    {group.close_in_flight && (
                      <Badge color="orange" size="xs" ml={4}>
                        closing
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c={pnlColor(group.loss)}>
                      {formatSigned(group.loss_percent, " %")} ({formatSigned(group.loss)})
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <TimerCell group={group} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {group.pyramid_count} / {group.required_pyramids} {group.all_legs_filled ? "· all legs filled" : ""}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} justify="flex-end" wrap="nowrap">
                      <Button size="xs" variant="light" disabled={group.skip_once} onClick={() => actions.skip.mutate(group.id)}>
                        Skip once
                      </Button>
                      <Button size="xs" variant="light" color={group.blocked ? "teal" : "dark"} onClick={() => actions.block.mutate({ id: group.id, blocked: !group.blocked })}>
                        {group.blocked ? "Unblock" : "Block"}
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </>
  );
}

function ActionsTable({ actions }: { actions: RiskAction[] }) {
  if (!actions.length) return <Text c="dimmed">The risk engine has not acted yet.</Text>;
  return (
    <Table.ScrollContainer minWidth={700}>
      <Table verticalSpacing={4} striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>Loser closed</Table.Th>
            <Table.Th>Required / covered</Table.Th>
            <Table.Th>Winners</Table.Th>
            <Table.Th>Trigger</Table.Th>
            <Table.Th>Status</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {actions.map((action) => (
            <Table.Tr key={action.id}>
              <Table.Td>
                <Text size="xs">{formatTime(action.created_at)}</Text>
              </Table.Td>
              <Table.Td>
                {action.symbol} {action.timeframe}{" "}
                <Text span size="xs" c="red">
                  {formatSigned(action.loser_loss_percent, " %")}
                </Text>
              </Table.Td>
              <Table.Td>
                {formatMoney(action.required)} / {formatMoney(action.covered)} {action.fully_covered ? "" : "(partly)"}
              </Table.Td>
              <Table.Td>
                <Text size="xs">{(action.winners ?? []).map((w) => `${w.symbol} ${formatDecimal(w.quantity)}`).join(", ") || "—"}</Text>
              </Table.Td>
              <Table.Td>{action.trigger}</Table.Td>
              <Table.Td>
                <Badge variant="light">{action.status}</Badge>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export default function RiskPage() {
  const panel = useQuery({ queryKey: keys.risk, queryFn: () => api<RiskPanel>("risk"), refetchInterval: 30_000 });
  const { run } = useRiskActions();
  const data = panel.data;
  const plan = data?.projected_plan;
  return (
    <QueryState isLoading={panel.isLoading} error={panel.error}>
      {data && (
        <Stack>
          <PageHeader title="Risk" description="The risk engine closes a group that stayed too long in loss, paid for by partial closes of winners.">
            <Badge size="lg" color={data.enabled ? "teal" : "gray"} data-testid="risk-enabled">
              {data.enabled ? "engine on" : "engine off"}
            </Badge>
            <ConfirmButton color="orange" variant="filled" title="Run the risk engine now?" message="If a loser is due, it is closed at market and winners are partly sold to cover it, as shown in the projected plan." confirmLabel="Run now" onConfirm={() => run.mutateAsync().catch(() => undefined)} loading={run.isPending} disabled={!data.enabled || !data.service_running}>
              Run now
            </ConfirmButton>
          </PageHeader>
          <ErrorAlert error={run.error} title="Did not run" />
          {!data.service_running && <Alert color="yellow">Your trading service is stopped: the risk engine waits for it.</Alert>}
          <SimpleGrid cols={{ base: 2, md: 4 }}>
            <Card withBorder padding="sm"><Text size="xs" c="dimmed">Loss threshold</Text><Text fw={600}>{formatSigned(data.settings.loss_threshold_percent, " %")}</Text></Card>
            <Card withBorder padding="sm"><Text size="xs" c="dimmed">Pyramids for the timer</Text><Text fw={600}>{data.settings.required_pyramids_for_timer}</Text></Card>
            <Card withBorder padding="sm"><Text size="xs" c="dimmed">Wait after full</Text><Text fw={600}>{data.settings.post_full_wait_minutes} min</Text></Card>
            <Card withBorder padding="sm"><Text size="xs" c="dimmed">Winners per loser</Text><Text fw={600}>{data.settings.max_winners_to_combine}</Text></Card>
          </SimpleGrid>
          <Card withBorder>
            <Title order={4} mb="xs">Groups</Title>
            <GroupsTable groups={data.groups} />
          </Card>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Card withBorder>
              <Title order={4} mb="xs">Offsets available (winners)</Title>
              {data.winners.length ? (
                <Table verticalSpacing={4}>
                  <Table.Tbody>
                    {data.winners.map((w) => (
                      <Table.Tr key={w.id}>
                        <Table.Td>{w.symbol} {w.timeframe}</Table.Td>
                        <Table.Td><Text c="teal" size="sm">{formatSigned(w.profit)}</Text></Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              ) : (
                <Text c="dimmed">No group in profit.</Text>
              )}
            </Card>
            <Card withBorder data-testid="risk-plan">
              <Title order={4} mb="xs">Projected plan</Title>
              {plan ? (
                <Stack gap={4}>
                  <Text size="sm">
                    Close <b>{plan.loser.symbol}</b> ({formatDecimal(plan.loser.quantity)} at {formatPrice(plan.loser.price)}, {formatSigned(plan.loser.loss_percent, " %")}): {formatMoney(plan.required)} to cover.
                  </Text>
                  {plan.winners.map((w) => (
                    <Text size="sm" key={w.id}>
                      Sell {formatDecimal(w.quantity)} {w.symbol} at {formatPrice(w.price)} → {formatSigned(w.expected_realized)}
                    </Text>
                  ))}
                  <Badge color={plan.fully_covered ? "teal" : "orange"}>
                    covered {formatMoney(plan.covered)} {plan.fully_covered ? "(fully)" : "(partly)"}
                  </Badge>
                </Stack>
              ) : (
                <Text c="dimmed">Nothing to do at current prices.</Text>
              )}
            </Card>
          </SimpleGrid>
          <Card withBorder>
            <Title order={4} mb="xs">Recent actions</Title>
            <ActionsTable actions={data.recent_actions} />
          </Card>
        </Stack>
      )}
    </QueryState>
  );
}
