import { Alert, Anchor, Card, Group, Progress, SegmentedControl, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/api/client";
import type { Page } from "@/api/types";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { formatTime } from "@/lib/format";
import { ConfirmButton, StatusBadge } from "@/lib/ui";

export type ExportFormat = "json" | "csv";

/** One export as GET /api/v1/me/exports/{id} shows it (accounts/export/api.py). */
export interface DataExport {
  id: string;
  format: ExportFormat;
  status: "queued" | "running" | "succeeded" | "failed" | "expired";
  progress: number;
  step: string;
  size: number | null;
  created_at: string;
  finished_at: string | null;
  expires_at: string | null;
  error: string;
  download_url: string | null;
}

export const exportKeys = { list: ["me", "exports"] as const };
// While an export runs, its progress is read this often.
export const PROGRESS_POLL_MS = 1000;

const FORMAT_LABEL: Record<ExportFormat, string> = { json: "one JSON file", csv: "a zip of CSV files, one per table" };

const fetchExports = () => api<Page<DataExport>>("me/exports", { query: { page_size: 5 } });

function formatSize(bytes: number | null): string {
  if (bytes === null) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const isActive = (e: DataExport) => e.status === "queued" || e.status === "running";

function LatestExport({ latest }: { latest: DataExport }) {
  if (isActive(latest)) {
    return (
      <Stack gap={4}>
        <Group justify="space-between">
          <Text size="sm">
            Preparing your {latest.format.toUpperCase()} export{latest.step ? ` (${latest.step})` : ""}…
          </Text>
          <Text size="sm" c="dimmed">
            {latest.progress}%
          </Text>
        </Group>
        <Progress value={latest.progress} animated aria-label="Export progress" />
      </Stack>
    );
  }
  if (latest.status === "succeeded" && latest.download_url) {
    return (
      <Alert color="teal" title="Your export is ready">
        <Anchor href={latest.download_url} download>
          Download {latest.format.toUpperCase()} ({formatSize(latest.size)})
        </Anchor>
        <Text size="sm" c="dimmed">
          The link is valid until {formatTime(latest.expires_at)}; the file is deleted after that.
        </Text>
      </Alert>
    );
  }
  if (latest.status === "failed") {
    return (
      <Alert color="red" title="The export failed">
        {latest.error || "Please try again."}
      </Alert>
    );
  }
  return (
    <Group gap="xs">
      <StatusBadge status={latest.status === "succeeded" ? "expired" : latest.status} />
      <Text size="sm" c="dimmed">
        Your last export ({formatTime(latest.created_at)}) can no longer be downloaded. Start a new one.
      </Text>
    </Group>
  );
}

/** The profile's "Export my data": a background job with progress, then a 24-hour download link. */
export function ExportCard() {
  const client = useQueryClient();
  const [format, setFormat] = useState<ExportFormat>("json");
  const exports = useQuery({
    queryKey: exportKeys.list,
    queryFn: fetchExports,
    refetchInterval: (query) => (query.state.data?.results.some(isActive) ? PROGRESS_POLL_MS : false),
  });
  const start = useMutation({
    mutationFn: () => api<DataExport>("me/exports", { method: "POST", body: { format } }),
    onSuccess: () => client.invalidateQueries({ queryKey: exportKeys.list }),
  });
  const latest = exports.data?.results[0];
  const running = latest !== undefined && isActive(latest);

  return (
    <Card withBorder id="export">
      <Stack>
        <Title order={2} size="h4">
          Export my data
        </Title>
        <Text size="sm">
          A copy of everything Tradefleet holds about you: your profile, trading settings, DCA configurations,
          exchange accounts (API keys masked, secrets never included), signals, positions, orders, fills, PnL,
          notifications, service history, logs and audit trail.
        </Text>
        <SegmentedControl
          value={format}
          onChange={(value) => setFormat(value as ExportFormat)}
          data={[
            { value: "json", label: "JSON" },
            { value: "csv", label: "CSV (zip)" },
          ]}
          aria-label="Export format"
          style={{ alignSelf: "flex-start" }}
        />
        <Group>
          <ConfirmButton
            color="blue"
            variant="filled"
            title="Export your data?"
            message={`Your data is gathered into ${FORMAT_LABEL[format]} in the background; this page shows the progress. The download link works for 24 hours.`}
            confirmLabel="Start the export"
            onConfirm={() => start.mutateAsync().catch(() => undefined)}
            loading={start.isPending}
            disabled={running}
          >
            Export my data
          </ConfirmButton>
        </Group>
        <ErrorAlert error={start.error} title="The export could not start" />
        <ErrorAlert error={exports.error} title="Your exports could not be loaded" />
        {latest && <LatestExport latest={latest} />}
      </Stack>
    </Card>
  );
}
