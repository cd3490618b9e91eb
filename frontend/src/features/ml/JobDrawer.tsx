import { Alert, Button, Drawer, Group, ScrollArea, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, type ReactNode } from "react";
import { api } from "@/api/client";
import { keys } from "@/api/keys";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { formatTime } from "@/lib/format";
import { ConfirmButton, QueryState } from "@/lib/ui";
import { isLive, useJob } from "./api";
import { JobProgress, JobStatusBadge, LogLineText } from "./JobParts";
import type { TrainingJobDetail } from "./types";
import { algorithmName, modelTypeName } from "./words";
import contrast from "./contrast.module.css";

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm">{children}</Text>
    </div>
  );
}

function JobLog({ job }: { job: TrainingJobDetail }) {
  const viewport = useRef<HTMLDivElement>(null);
  // Follow the newest line as it arrives.
  useEffect(() => {
    viewport.current?.scrollTo({ top: viewport.current.scrollHeight });
  }, [job.log.length]);
  return (
    <ScrollArea.Autosize mah={360} viewportRef={viewport} type="auto">
      <Stack gap={2} data-testid="job-log" data-lines={job.log.length}>
        {job.log.length ? (
          job.log.map((line, index) => (
            <Group key={`${line.at}-${index}`} gap="xs" wrap="nowrap" align="flex-start">
              <Text size="xs" c="dimmed" ff="monospace" style={{ whiteSpace: "nowrap" }}>
                {new Date(line.at).toLocaleTimeString()}
              </Text>
              <LogLineText line={line} />
            </Group>
          ))
        ) : (
          <Text size="sm" c="dimmed">
            Nothing logged yet: the job waits for an ML worker.
          </Text>
        )}
      </Stack>
    </ScrollArea.Autosize>
  );
}

function CancelJob({ job }: { job: TrainingJobDetail }) {
  const client = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => api<TrainingJobDetail>(`ml/jobs/${job.id}/cancel`, { method: "POST" }),
    onSuccess: (updated) => {
      client.setQueryData(keys.mlJob(job.id), updated);
      void client.invalidateQueries({ queryKey: keys.mlJobs });
    },
  });
  return (
    <Stack gap="xs">
      <ConfirmButton
        title="Cancel this training?"
        message={job.status === "pending" ? "The job has not started: it is cancelled at once." : "The job stops at its next step and registers no model."}
        confirmLabel="Cancel the job"
        onConfirm={() => cancel.mutateAsync().catch(() => undefined)}
        loading={cancel.isPending}
        disabled={job.cancel_requested}
      >
        {job.cancel_requested ? "Cancelling…" : "Cancel the job"}
      </ConfirmButton>
      <ErrorAlert error={cancel.error} title="Not cancelled" />
    </Stack>
  );
}

/** One job: what it trains on, its progress and its log (both live), cancel while it runs. */
export function JobDrawer({ id, onClose, onOpenModel }: { id: string | null; onClose: () => void; onOpenModel: (id: string) => void }) {
  const job = useJob(id);
  const data = job.data;
  return (
    <Drawer classNames={{ content: contrast.page }} closeButtonProps={{ "aria-label": "Close" }} opened={Boolean(id)} onClose={onClose} position="right" size="xl" title="Training job">
      <QueryState isLoading={job.isLoading} error={job.error}>
        {data && (
          <Stack data-testid="job-detail">
            <Group justify="space-between">
              <Group gap="xs">
                <JobStatusBadge status={data.status} cancelling={data.cancel_requested} />
                <Text fw={600}>
                  {modelTypeName(data.model_type)}, {algorithmName(data.algorithm)}
                </Text>
              </Group>
              {isLive(data) && <CancelJob job={data} />}
            </Group>
            <JobProgress status={data.status} progress={data.progress} label="Progress of this job" />
            {data.error && (
              <Alert color="red" title="Why it stopped">
                {data.error}
              </Alert>
            )}
            {data.model_id && (
              <Group>
                <Button variant="light" onClick={() => onOpenModel(data.model_id!)}>
                  Open the model it registered
                </Button>
              </Group>
            )}
            <SimpleGrid cols={{ base: 2, sm: 3 }}>
              <Fact label="Data source">{data.data_source}</Fact>
              <Fact label="Symbols">{data.symbols.join(", ")}</Fact>
              <Fact label="Window">
                {data.window_start ?? "all history"} → {data.window_end ?? "today"}
              </Fact>
              <Fact label="Parameters">
                {Object.entries(data.params)
                  .filter(([, value]) => typeof value !== "object")
                  .map(([key, value]) => `${key} ${String(value)}`)
                  .join(", ") || "defaults"}
              </Fact>
              <Fact label="Created">
                {formatTime(data.created_at)} by {data.created_by ?? (data.schedule ? "a schedule" : "—")}
              </Fact>
              <Fact label="Started / finished">
                {formatTime(data.started_at)} / {formatTime(data.finished_at)}
              </Fact>
            </SimpleGrid>
            <Title order={3}>Log</Title>
            <JobLog job={data} />
          </Stack>
        )}
      </QueryState>
    </Drawer>
  );
}
