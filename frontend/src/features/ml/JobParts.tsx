// Pieces of a training job the table and the drawer share.
import { Badge, Group, Progress, Text } from "@mantine/core";
import type { JobStatus, LogLine } from "./types";
import { JOB_STATUS_COLORS } from "./words";

export function JobStatusBadge({ status, cancelling = false }: { status: JobStatus; cancelling?: boolean }) {
  return (
    <Badge color={JOB_STATUS_COLORS[status] ?? "gray"} variant="light" data-status={status}>
      {cancelling && (status === "pending" || status === "running") ? "cancelling" : status}
    </Badge>
  );
}

export function JobProgress({ status, progress, label }: { status: JobStatus; progress: number; label: string }) {
  const color = status === "failed" ? "red" : status === "cancelled" ? "orange" : status === "succeeded" ? "teal" : "blue";
  return (
    <Group gap="xs" wrap="nowrap" miw={160}>
      <Progress value={progress} color={color} striped={status === "running"} animated={status === "running"} aria-label={label} style={{ flex: 1 }} size="lg" />
      <Text size="xs" w={44} ta="right" data-testid="job-percent">
        {progress} %
      </Text>
    </Group>
  );
}

/** A log line; errors in red and warnings in bold (Mantine's orange text is too light to read). */
export function LogLineText({ line, size = "xs" }: { line: LogLine; size?: string }) {
  const level = line.level.toLowerCase();
  return (
    <Text size={size} c={level === "error" ? "red.9" : undefined} fw={level === "warning" || level === "error" ? 600 : undefined} ff="monospace" style={{ whiteSpace: "pre-wrap" }} data-level={level}>
      {line.message}
    </Text>
  );
}
