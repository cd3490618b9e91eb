import { Anchor, Group, Pagination, Table, Text } from "@mantine/core";
import { formatTime } from "@/lib/format";
import { QueryState } from "@/lib/ui";
import { JOBS_PAGE_SIZE, useJobs } from "./api";
import { JobProgress, JobStatusBadge, LogLineText } from "./JobParts";
import { algorithmName, modelTypeName } from "./words";

/** Training jobs, newest first; rows move live with `ml.job.updated`. A row opens the job. */
export function JobsTable({ page, onPage, onOpen }: { page: number; onPage: (page: number) => void; onOpen: (id: string) => void }) {
  const jobs = useJobs(page);
  const rows = jobs.data?.results ?? [];
  return (
    <QueryState isLoading={jobs.isLoading} error={jobs.error}>
      {!rows.length ? (
        <Text size="sm" c="dimmed">
          No training job yet.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={980}>
          <Table verticalSpacing="xs" striped data-testid="ml-jobs" aria-label="Training jobs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Job</Table.Th>
                <Table.Th scope="col" miw={120}>
                  Status
                </Table.Th>
                <Table.Th scope="col">Progress</Table.Th>
                <Table.Th scope="col">Symbols</Table.Th>
                <Table.Th scope="col">Created by</Table.Th>
                <Table.Th scope="col">Started</Table.Th>
                <Table.Th scope="col">Finished</Table.Th>
                <Table.Th scope="col">Last log line</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((job) => {
                const name = `${modelTypeName(job.model_type)}, ${algorithmName(job.algorithm)}`;
                return (
                  <Table.Tr key={job.id} data-job={job.id}>
                    <Table.Th scope="row" fw={500}>
                      <Anchor component="button" type="button" size="sm" ta="left" onClick={() => onOpen(job.id)} aria-label={`Open the job ${name} of ${formatTime(job.created_at)}`}>
                        {modelTypeName(job.model_type)}
                      </Anchor>
                      <Text size="xs" c="dimmed">
                        {algorithmName(job.algorithm)}
                      </Text>
                    </Table.Th>
                    <Table.Td>
                      <JobStatusBadge status={job.status} cancelling={job.cancel_requested} />
                    </Table.Td>
                    <Table.Td>
                      <JobProgress status={job.status} progress={job.progress} label={`Progress of the job ${name}`} />
                    </Table.Td>
                    <Table.Td maw={220}>
                      <Text size="sm" lineClamp={2} title={job.symbols.join(", ")}>
                        {job.symbols.join(", ")}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {job.data_source}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs">{job.created_by ?? (job.schedule ? "schedule" : "—")}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs">{formatTime(job.started_at)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs">{formatTime(job.finished_at)}</Text>
                    </Table.Td>
                    <Table.Td maw={320} data-testid="job-last-log">
                      {job.error ? <Text size="xs" c="red" lineClamp={2}>{job.error}</Text> : job.last_log ? <LogLineText line={job.last_log} /> : <Text size="xs" c="dimmed">—</Text>}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {(jobs.data?.count ?? 0) > JOBS_PAGE_SIZE && (
        <Group justify="flex-end" mt="sm">
          <Pagination total={Math.ceil((jobs.data?.count ?? 0) / JOBS_PAGE_SIZE)} value={page} onChange={onPage} size="sm" />
        </Group>
      )}
    </QueryState>
  );
}
