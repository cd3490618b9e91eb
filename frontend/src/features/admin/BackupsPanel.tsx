// The Backups tab: "Back up now" with its progress, the nightly schedule, and every backup with
// its size, verification and download (docs/admin-guide/backups.md).
import { Badge, Button, Card, Group, Progress, SimpleGrid, Stack, Switch, Table, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { fieldError } from "@/lib/errors";
import { formatTime } from "@/lib/format";
import { QueryState } from "@/lib/ui";
import { backupKeys, downloadBackup, formatBytes, saveSchedule, startBackup, useBackups, useBackupSchedule, verifyBackup } from "./backups/api";
import type { Backup, BackupSchedule } from "./backups/types";

const STATUS_COLOR: Record<string, string> = { running: "blue", succeeded: "teal", failed: "red", pending: "gray", passed: "teal" };
const TRIGGER_LABEL: Record<Backup["trigger"], string> = { scheduled: "Scheduled", manual: "Manual", cli: "Command line" };

function StateBadge({ value, label }: { value: string; label?: string }) {
  return (
    <Badge color={STATUS_COLOR[value] ?? "gray"} variant="light" data-status={value}>
      {label ?? value}
    </Badge>
  );
}

function RunningBackup({ backup }: { backup: Backup }) {
  return (
    <Stack gap={4} data-testid="backup-progress">
      <Group justify="space-between">
        <Text size="sm">{backup.step || "Starting"}</Text>
        <Text size="sm" c="dimmed">
          {backup.progress} %
        </Text>
      </Group>
      <Progress value={backup.progress} striped animated size="lg" aria-label="Backup progress" />
    </Stack>
  );
}

function BackUpNow({ running }: { running: Backup | undefined }) {
  const client = useQueryClient();
  const start = useMutation({
    mutationFn: startBackup,
    onSuccess: () => client.invalidateQueries({ queryKey: backupKeys.list }),
  });
  return (
    <Card withBorder component="section" aria-labelledby="backup-now-heading">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4" id="backup-now-heading">
            Back up now
          </Title>
          <Button onClick={() => start.mutate()} loading={start.isPending} disabled={running !== undefined}>
            Back up now
          </Button>
        </Group>
        <Text size="sm" c="dimmed">
          The database and the files that matter, in one archive; verified afterwards when the schedule says so.
        </Text>
        {running && <RunningBackup backup={running} />}
        <ErrorAlert error={start.error} title="Not started" />
      </Stack>
    </Card>
  );
}

function ScheduleForm({ schedule }: { schedule: BackupSchedule }) {
  const client = useQueryClient();
  const [time, setTime] = useState(schedule.time_of_day);
  const [enabled, setEnabled] = useState(schedule.enabled);
  const [verifyAfter, setVerifyAfter] = useState(schedule.verify_after);
  const save = useMutation({
    mutationFn: () => saveSchedule({ time_of_day: time, enabled, verify_after: verifyAfter }),
    onSuccess: (saved) => {
      client.setQueryData(backupKeys.schedule, saved);
      notifications.show({ color: "teal", message: "Backup schedule saved" });
    },
  });
  const changed = time !== schedule.time_of_day || enabled !== schedule.enabled || verifyAfter !== schedule.verify_after;
  return (
    <Stack gap="sm">
      <TextInput label="Time of day (UTC)" description="HH:MM, 24-hour clock" value={time} onChange={(event) => setTime(event.currentTarget.value)} error={fieldError(save.error, "time_of_day")} w={200} />
      <Switch label="Back up every day" checked={enabled} onChange={(event) => setEnabled(event.currentTarget.checked)} />
      <Switch label="Verify each backup (a test restore into a scratch database)" checked={verifyAfter} onChange={(event) => setVerifyAfter(event.currentTarget.checked)} />
      <Group justify="space-between">
        <Text size="sm" data-testid="next-run">
          {schedule.next_run_at ? `Next scheduled run: ${formatTime(schedule.next_run_at)}` : "Scheduled backups are off."}
        </Text>
        <Button size="xs" onClick={() => save.mutate()} loading={save.isPending} disabled={!changed}>
          Save
        </Button>
      </Group>
      <ErrorAlert error={save.error} shownFields={["time_of_day"]} title="Not saved" />
    </Stack>
  );
}

function ScheduleCard() {
  const schedule = useBackupSchedule();
  const data = schedule.data;
  return (
    <Card withBorder component="section" aria-labelledby="backup-schedule-heading">
      <Title order={2} size="h4" id="backup-schedule-heading" mb="sm">
        Schedule
      </Title>
      <QueryState isLoading={schedule.isLoading} error={schedule.error}>
        {data && (
          <Stack gap="sm">
            {/* A new form when the saved values change, so it starts from them. */}
            <ScheduleForm key={`${data.time_of_day}:${data.enabled}:${data.verify_after}`} schedule={data} />
            <Text size="xs" c="dimmed">
              Kept: the newest backup of each of the last {data.keep.daily} days, {data.keep.weekly} weeks and {data.keep.monthly} months. Encryption {data.encryption ? "on" : "off"} · Off-site copy (S3) {data.s3 ? "on" : "off"}.
            </Text>
          </Stack>
        )}
      </QueryState>
    </Card>
  );
}

function BackupActions({ backup }: { backup: Backup }) {
  const client = useQueryClient();
  const download = useMutation({ mutationFn: () => downloadBackup(backup) });
  const verify = useMutation({
    mutationFn: () => verifyBackup(backup.id),
    onSuccess: () => client.invalidateQueries({ queryKey: backupKeys.list }),
  });
  if (!backup.download_url) return null;
  const when = formatTime(backup.created_at);
  return (
    <Stack gap={4}>
      <Group gap="xs" wrap="nowrap">
        <Button size="compact-xs" variant="light" onClick={() => download.mutate()} loading={download.isPending} aria-label={`Download the backup of ${when}`}>
          Download
        </Button>
        <Button size="compact-xs" variant="subtle" onClick={() => verify.mutate()} loading={verify.isPending} disabled={backup.verify_status === "running"} aria-label={`Verify the backup of ${when}`}>
          Verify
        </Button>
      </Group>
      <ErrorAlert error={download.error ?? verify.error} />
    </Stack>
  );
}

function BackupRow({ backup }: { backup: Backup }) {
  return (
    <Table.Tr data-backup={backup.id}>
      <Table.Td>
        <Text size="sm">{formatTime(backup.created_at)}</Text>
        <Text size="xs" c="dimmed">
          {TRIGGER_LABEL[backup.trigger]}
          {backup.requested_by ? ` by ${backup.requested_by}` : ""}
        </Text>
      </Table.Td>
      <Table.Td>
        <StateBadge value={backup.status} />
        {backup.status === "running" && (
          <Text size="xs" c="dimmed">
            {backup.step} ({backup.progress} %)
          </Text>
        )}
        {backup.error && (
          <Text size="xs" c="red.9" data-testid="backup-error">
            {backup.error}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm">{formatBytes(backup.size_bytes)}</Text>
        <Text size="xs" c="dimmed">
          {[backup.encrypted ? "encrypted" : "", backup.uploaded ? "in S3" : ""].filter(Boolean).join(", ")}
        </Text>
      </Table.Td>
      <Table.Td>
        {backup.status === "succeeded" ? <StateBadge value={backup.verify_status} /> : <Text size="xs">—</Text>}
        {backup.verify_detail && (
          <Text size="xs" c={backup.verify_status === "failed" ? "red.9" : "dimmed"} maw={320}>
            {backup.verify_detail}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {backup.pruned_at ? (
          <Text size="xs" c="dimmed">
            Deleted by retention {formatTime(backup.pruned_at)}
          </Text>
        ) : (
          <BackupActions backup={backup} />
        )}
      </Table.Td>
    </Table.Tr>
  );
}

function BackupsTable({ backups }: { backups: Backup[] }) {
  if (!backups.length) {
    return (
      <Text size="sm" c="dimmed">
        No backup yet.
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={820}>
      <Table striped verticalSpacing="xs" aria-label="Backups">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Started</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Size</Table.Th>
            <Table.Th>Verification</Table.Th>
            <Table.Th>File</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {backups.map((backup) => (
            <BackupRow key={backup.id} backup={backup} />
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export function BackupsPanel() {
  const backups = useBackups();
  const rows = backups.data?.results ?? [];
  const running = rows.find((backup) => backup.status === "running");
  return (
    <Stack>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <BackUpNow running={running} />
        <ScheduleCard />
      </SimpleGrid>
      <Card withBorder component="section" aria-labelledby="backups-heading">
        <Title order={2} size="h4" id="backups-heading" mb="sm">
          Backups
        </Title>
        <QueryState isLoading={backups.isLoading} error={backups.error}>
          <BackupsTable backups={rows} />
        </QueryState>
      </Card>
    </Stack>
  );
}
