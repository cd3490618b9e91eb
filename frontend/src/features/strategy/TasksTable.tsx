import { Badge, Button, Stack, Table, Text, Tooltip, VisuallyHidden } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/api/client";
import { formError } from "@/lib/errors";
import { formatDuration } from "@/lib/format";
import { strategyKeys } from "./api";
import type { StrategyTask } from "./types";

const OUTCOME_COLORS: Record<string, string> = { success: "teal", failed: "red", skipped: "gray" };
export const IST = "Asia/Kolkata";

/** A moment in India's time and in the browser's own, e.g. "Mon 09:15 IST" and "Mon 04:45 local";
 * `toMinute` rounds to the nearest minute (a schedule's estimate may land a hair before it). */
export function formatIn(value: string | null | undefined, timeZone?: string, toMinute = false): string {
  if (!value) return "—";
  const parsed = new Date(value);
  const date = toMinute ? new Date(Math.round(parsed.getTime() / 60_000) * 60_000) : parsed;
  if (Number.isNaN(date.getTime())) return value;
  return date.toLocaleString("en-GB", { timeZone, weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

function LastRun({ run }: { run: StrategyTask["last_run"] }) {
  if (!run) return <Text size="sm" c="dimmed">never run</Text>;
  const problem = run.error;
  return (
    <Stack gap={2}>
      <Badge color={OUTCOME_COLORS[run.status] ?? "gray"} variant="light" data-status={run.status}>
        {run.status}
      </Badge>
      <Text size="xs" c="dimmed">
        {formatIn(run.started_at, IST)} IST · {run.duration_ms === null ? "—" : formatDuration(run.duration_ms / 1000)}
      </Text>
      {problem && (
        <Text size="xs" c={run.status === "failed" ? "red" : "dimmed"} lineClamp={2} title={problem}>
          {problem}
        </Text>
      )}
    </Stack>
  );
}

function RunNow({ task, label }: { task: string; label: string }) {
  const client = useQueryClient();
  const [queuedAt, setQueuedAt] = useState<Date | null>(null);
  const run = useMutation({
    mutationFn: () => api<{ task: string; queued: boolean }>(`equities/tasks/${task}/run`, { method: "POST" }),
    onSuccess: () => {
      setQueuedAt(new Date());
      // The outcome lands in the task history a little later.
      for (const delay of [2_000, 8_000, 20_000]) {
        setTimeout(() => {
          void client.invalidateQueries({ queryKey: strategyKeys.tasks });
          if (task === "analysis") void client.invalidateQueries({ queryKey: strategyKeys.runs });
        }, delay);
      }
    },
  });
  return (
    <Stack gap={2} align="flex-start">
      <Button size="xs" variant="light" onClick={() => run.mutate()} loading={run.isPending} aria-label={`Run ${label} now`}>
        Run now
      </Button>
      <Text size="xs" role="status" c={run.isError ? "red" : "teal"} data-testid={`run-feedback-${task}`}>
        {run.isError ? formError(run.error) : queuedAt ? `Queued at ${queuedAt.toLocaleTimeString()}` : ""}
      </Text>
    </Stack>
  );
}

/** The seven tasks: what each does, when it runs next, how it last went, and a Run now button. */
export function TasksTable({ tasks }: { tasks: StrategyTask[] }) {
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table striped verticalSpacing="xs" data-testid="strategy-tasks" aria-label="The seven strategy tasks">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Task</Table.Th>
            <Table.Th scope="col">What it does</Table.Th>
            <Table.Th scope="col">Schedule</Table.Th>
            <Table.Th scope="col">Next run</Table.Th>
            <Table.Th scope="col">Last outcome</Table.Th>
            <Table.Th scope="col">
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tasks.map((task) => (
            <Table.Tr key={task.task} data-task={task.task}>
              <Table.Th scope="row">
                <Text fw={600} size="sm">
                  {task.label}
                </Text>
                {!task.enabled && (
                  <Tooltip label="Runs on schedule only while the strategy is on, has an account and a universe, and your trading service runs.">
                    <Badge size="xs" color="gray" variant="outline">
                      off
                    </Badge>
                  </Tooltip>
                )}
              </Table.Th>
              <Table.Td maw={320}>
                <Text size="sm">{task.description}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" ff="monospace">
                  {task.cron}
                </Text>
                <Text size="xs" c="dimmed">
                  {task.timezone}
                </Text>
              </Table.Td>
              <Table.Td data-testid="next-run">
                {task.next_run ? (
                  <>
                    <Text size="sm">{formatIn(task.next_run, IST, true)} IST</Text>
                    <Text size="xs" c="dimmed">
                      {formatIn(task.next_run, undefined, true)} local
                    </Text>
                  </>
                ) : (
                  <Text size="sm" c="dimmed">
                    not scheduled
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <LastRun run={task.last_run} />
              </Table.Td>
              <Table.Td>
                <RunNow task={task.task} label={task.label} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
