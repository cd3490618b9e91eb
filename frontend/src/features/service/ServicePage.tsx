import { Anchor, Alert, Badge, Button, Card, Checkbox, Group, Modal, Pagination, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api } from "@/api/client";
import type { ServiceStatus, ServiceTask } from "@/api/contract";
import { keys } from "@/api/keys";
import type { Page, ServiceLog } from "@/api/types";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { formatTime, timeAgo, toNumber } from "@/lib/format";
import { PageHeader, QueryState } from "@/lib/ui";
import { LEVEL_COLORS } from "@/features/logs/levels";
import { RECENT_LOGS_SIZE } from "@/live/applyEvent";

const OUTCOME_COLORS: Record<string, string> = { success: "teal", ok: "teal", failed: "red", error: "red", skipped: "gray" };

function Fact({ label, value, testId }: { label: string; value: React.ReactNode; testId?: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text fw={600} data-testid={testId}>
        {value}
      </Text>
    </Card>
  );
}

export default function ServicePage() {
  const client = useQueryClient();
  const [page, setPage] = useState(1);
  const [stopping, setStopping] = useState(false);
  const [closeAll, setCloseAll] = useState(false);
  const status = useQuery({ queryKey: keys.serviceStatus, queryFn: () => api<ServiceStatus>("service/status"), refetchInterval: 30_000 });
  const tasks = useQuery({ queryKey: [...keys.service, "tasks", page], queryFn: () => api<Page<ServiceTask>>("service/tasks", { query: { page, page_size: 25 } }), placeholderData: (p) => p });
  const logs = useQuery({ queryKey: keys.serviceLogs, queryFn: () => api<Page<ServiceLog>>("service/logs", { query: { page_size: RECENT_LOGS_SIZE } }) });
  const after = (data: unknown) => {
    if (data && typeof data === "object" && "service_running" in data) client.setQueryData(keys.serviceStatus, data);
    void client.invalidateQueries({ queryKey: keys.service });
  };
  const start = useMutation({ mutationFn: () => api<ServiceStatus>("service/start", { method: "POST" }), onSuccess: after, onError: () => after(null) });
  const stop = useMutation({ mutationFn: () => api<ServiceStatus>("service/stop", { method: "POST", body: { close_all: closeAll } }), onSuccess: after, onError: () => after(null) });
  const s = status.data;

  return (
    <QueryState isLoading={status.isLoading} error={status.error}>
      {s && (
        <Stack>
          <PageHeader title="Service" description="Your trading service: while it runs, signals open positions and the monitors, queue and risk engine work for you.">
            <Badge size="xl" color={s.service_running ? "teal" : "red"} data-testid="service-state">
              {s.service_running ? "Running" : "Stopped"}
            </Badge>
            {s.service_running ? (
              <Button color="red" onClick={() => setStopping(true)} loading={stop.isPending}>
                Stop
              </Button>
            ) : (
              <Button color="teal" onClick={() => start.mutate()} loading={start.isPending}>
                Start
              </Button>
            )}
          </PageHeader>
          <ErrorAlert error={start.error ?? stop.error} />
          {s.service_running && s.healthy === false && (s.last_heartbeat || (s.started_at && Date.now() - Date.parse(s.started_at) > 120_000)) && (
            <Alert color="orange" title="No recent heartbeat">
              The service is on but no worker has reported for a while: check the workers (Admin → Health).
            </Alert>
          )}
          <SimpleGrid cols={{ base: 2, md: 4 }}>
            <Fact label="Heartbeat" value={timeAgo(s.last_heartbeat)} testId="service-heartbeat" />
            <Fact label="Last task" value={timeAgo(s.last_task_execution)} />
            <Fact label="Errors" value={s.error_count} />
            <Fact label={s.service_running ? "Running since" : "Stopped at"} value={formatTime(s.service_running ? s.started_at : s.stopped_at)} />
          </SimpleGrid>
          {s.last_error && (
            <Alert color="red" title={`Last error ${s.last_error_at ? timeAgo(s.last_error_at) : ""}`}>
              {s.last_error}
            </Alert>
          )}
          {!!s.schedules?.length && (
            <Card withBorder>
              <Title order={4} mb="xs">
                Schedules
              </Title>
              <Table verticalSpacing={4}>
                <Table.Tbody>
                  {s.schedules.map((schedule) => (
                    <Table.Tr key={schedule.task}>
                      <Table.Td>{schedule.task}</Table.Td>
                      <Table.Td>{schedule.cron ?? `every ${schedule.interval_seconds} s`}</Table.Td>
                      <Table.Td>{schedule.enabled ? <Badge color="teal">on</Badge> : <Badge color="gray">off</Badge>}</Table.Td>
                      <Table.Td>next {formatTime(schedule.next_run)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <Text size="xs" c="dimmed" mt={4}>
                Edit them as task_schedule on the <Anchor component={Link} to={"/trading-config"}>Trading config</Anchor> page.
              </Text>
            </Card>
          )}
          <Card withBorder>
            <Title order={4} mb="xs">
              Task history
            </Title>
            <QueryState isLoading={tasks.isLoading} error={tasks.error}>
              <Table.ScrollContainer minWidth={600}>
                <Table verticalSpacing={4} striped data-testid="task-history">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Task</Table.Th>
                      <Table.Th>When</Table.Th>
                      <Table.Th>Outcome</Table.Th>
                      <Table.Th>Duration</Table.Th>
                      <Table.Th>Details</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {(tasks.data?.results ?? []).map((task) => (
                      <Table.Tr key={task.id}>
                        <Table.Td>
                          <Text size="sm" ff="monospace">
                            {task.task_name}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="xs">{formatTime(task.executed_at)}</Text>
                        </Table.Td>
                        <Table.Td>
                          <Badge color={OUTCOME_COLORS[task.status] ?? "gray"}>{task.status}</Badge>
                        </Table.Td>
                        <Table.Td>{toNumber(task.duration_seconds)?.toFixed(3) ?? "—"} s</Table.Td>
                        <Table.Td>
                          <Text size="xs" lineClamp={2}>
                            {task.details ? JSON.stringify(task.details) : ""}
                          </Text>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              <Group justify="flex-end" mt="xs">
                <Pagination size="sm" total={Math.max(1, Math.ceil((tasks.data?.count ?? 0) / 25))} value={page} onChange={setPage} />
              </Group>
            </QueryState>
          </Card>
          <Card withBorder>
            <Group justify="space-between" mb="xs">
              <Title order={4}>Recent logs</Title>
              <Anchor component={Link} to={"/logs"}>All logs</Anchor>
            </Group>
            <Stack gap={4}>
              {(logs.data?.results ?? []).map((row) => (
                <Group key={row.id} gap="xs" wrap="nowrap">
                  <Badge size="xs" color={LEVEL_COLORS[row.level] ?? "gray"}>
                    {row.level}
                  </Badge>
                  <Text size="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
                    {formatTime(row.timestamp)}
                  </Text>
                  <Text size="sm" lineClamp={1}>
                    {row.message}
                  </Text>
                </Group>
              ))}
              {!logs.data?.results.length && <Text c="dimmed">Nothing logged yet.</Text>}
            </Stack>
          </Card>
          <Modal opened={stopping} onClose={() => setStopping(false)} title="Stop the trading service?" centered>
            <Stack>
              <Text size="sm">New signals are refused and the scheduled work pauses. Open positions stay open unless you close them too.</Text>
              <Checkbox label="Also close every open position at market and empty the queue" checked={closeAll} onChange={(e) => setCloseAll(e.currentTarget.checked)} />
              <Group justify="flex-end">
                <Button variant="default" onClick={() => setStopping(false)}>
                  Cancel
                </Button>
                <Button
                  color="red"
                  onClick={() => {
                    setStopping(false);
                    stop.mutate();
                  }}
                >
                  Stop the service
                </Button>
              </Group>
            </Stack>
          </Modal>
        </Stack>
      )}
    </QueryState>
  );
}
