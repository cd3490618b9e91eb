import { Alert, Button, Card, FileInput, Group, Select, Stack, Stepper, Table, Text, Title, UnstyledButton } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/api/client";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { fieldError } from "@/lib/errors";
import { formatTime } from "@/lib/format";
import { ConfirmButton, PageHeader, QueryState } from "@/lib/ui";
import { listOf } from "@/lib/useSoftQuery";
import { strategyKeys, useLegacyImports, useStrategySettings } from "./api";
import { ImportReport, ImportStatus } from "./ImportReport";
import contrast from "./contrast.module.css";
import { StrategyNav } from "./StrategyNav";
import { uploadForm } from "./upload";
import type { LegacyImport } from "./types";

const FILES = "trades_history.json, pending_orders.json, system_recommended_symbols.json, and the paper folder's orders.json, holdings.json, transactions.json";

function stepOf(batch: LegacyImport | null): number {
  if (!batch) return 0;
  return batch.status === "dry_run" ? 1 : batch.status === "applied" ? 2 : 3;
}

/** /strategy/import: upload the old service's files, read the dry run, apply, roll back. */
export default function ImportPage() {
  const client = useQueryClient();
  const settings = useStrategySettings();
  const imports = useLegacyImports();
  const [files, setFiles] = useState<File[]>([]);
  const [account, setAccount] = useState<string | null>(null);
  const [batch, setBatch] = useState<LegacyImport | null>(null);
  const done = (data: LegacyImport) => {
    setBatch(data);
    // An apply or a rollback changes holdings, recommendations and day summaries too.
    void client.invalidateQueries({ queryKey: strategyKeys.all });
  };
  const upload = useMutation({
    mutationFn: () => {
      const form = new FormData();
      files.forEach((file) => form.append("files", file, file.name));
      if (account) form.append("account", account);
      return uploadForm<LegacyImport>("equities/legacy-imports", form);
    },
    onSuccess: done,
  });
  const apply = useMutation({
    mutationFn: (id: string) => api<LegacyImport>(`equities/legacy-imports/${id}/apply`, { method: "POST" }),
    onSuccess: (data) => (done(data), notifications.show({ color: "teal", message: "Import applied" })),
  });
  const rollback = useMutation({
    mutationFn: (id: string) => api<LegacyImport>(`equities/legacy-imports/${id}/rollback`, { method: "POST" }),
    onSuccess: (data) => (done(data), notifications.show({ color: "teal", message: "Import rolled back" })),
  });
  const open = async (id: string) => setBatch(await api<LegacyImport>(`equities/legacy-imports/${id}`));
  const blocking = Boolean(batch?.report.blocking);
  const earlier = listOf<LegacyImport>(imports.data);

  return (
    <Stack className={contrast.page}>
      <PageHeader title="Import the old service's files" description="Bring your trades, pending orders, recommendations and paper-trading folder into the platform. Every upload is a dry run first." />
      <StrategyNav />
      <Stepper active={stepOf(batch)} size="sm">
        <Stepper.Step label="Upload" description="Files or a zip" />
        <Stepper.Step label="Dry run" description="Check the report" />
        <Stepper.Step label="Applied" description="Rows created" />
        <Stepper.Step label="Rolled back" description="Removed again" />
      </Stepper>
      <Card withBorder>
        <Title order={3} mb="xs">
          1. Choose the files
        </Title>
        <Stack>
          <FileInput
            label="Files"
            description={`Any of ${FILES}; or one .zip holding them.`}
            placeholder="Choose files"
            multiple
            accept=".json,.zip,application/json,application/zip"
            value={files}
            onChange={setFiles}
            clearable
            error={fieldError(upload.error, "files")}
          />
          <Select
            label="Account"
            description="The equities account the imported positions belong to; empty: your strategy's account."
            data={(settings.data?.accounts ?? []).map((a) => ({ value: a.id, label: `${a.exchange} · ${a.label}` }))}
            value={account}
            onChange={setAccount}
            clearable
            error={fieldError(upload.error, "account")}
          />
          <Group>
            <Button onClick={() => upload.mutate()} disabled={!files.length} loading={upload.isPending}>
              Upload and check (dry run)
            </Button>
          </Group>
          <ErrorAlert error={upload.error} shownFields={["files", "account"]} title="Not read" />
        </Stack>
      </Card>
      {batch && (
        <Card withBorder data-testid="import-batch">
          <Group justify="space-between" mb="sm">
            <Title order={3}>
              2. Report <ImportStatus status={batch.status} />
            </Title>
            <Group gap="xs">
              {batch.status === "dry_run" && (
                <ConfirmButton
                  color="teal"
                  variant="filled"
                  title="Apply this import?"
                  message="Its rows are created in one transaction under this batch id; duplicates are skipped. You can roll the batch back afterwards."
                  confirmLabel="Apply"
                  disabled={blocking}
                  loading={apply.isPending}
                  onConfirm={() => apply.mutateAsync(batch.id).catch(() => undefined)}
                >
                  Apply
                </ConfirmButton>
              )}
              {batch.status === "applied" && (
                <ConfirmButton
                  title="Roll this import back?"
                  message="Exactly the rows this batch created are removed."
                  confirmLabel="Roll back"
                  loading={rollback.isPending}
                  onConfirm={() => rollback.mutateAsync(batch.id).catch(() => undefined)}
                >
                  Roll back
                </ConfirmButton>
              )}
            </Group>
          </Group>
          <Text size="sm" c="dimmed" mb="sm">
            Batch {batch.id} · files {batch.files.join(", ") || "—"} · read {formatTime(batch.created_at)}
            {batch.report.account ? ` · trades to ${batch.report.account.exchange} · ${batch.report.account.label}` : ""}
            {batch.status !== "dry_run" ? ` · ${batch.rows_created} rows created` : ""}
            {batch.applied_at ? ` · applied ${formatTime(batch.applied_at)}` : ""}
            {batch.rolled_back_at ? ` · rolled back ${formatTime(batch.rolled_back_at)}` : ""}
          </Text>
          {blocking && batch.status === "dry_run" && (
            <Alert color="orange" mb="sm" title="Fix the problems first">
              A problem marked "blocks the apply" means a file is wrong: correct it and upload again.
            </Alert>
          )}
          <ErrorAlert error={apply.error ?? rollback.error} />
          <ImportReport batch={batch} />
        </Card>
      )}
      <Card withBorder>
        <Title order={3} mb="xs">
          Earlier imports
        </Title>
        <QueryState isLoading={imports.isLoading} error={imports.error}>
          {earlier.length ? (
            <Table striped verticalSpacing={4} aria-label="Earlier imports" data-testid="earlier-imports">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Read</Table.Th>
                  <Table.Th scope="col">Status</Table.Th>
                  <Table.Th scope="col">Files</Table.Th>
                  <Table.Th scope="col" ta="right">Problems</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {earlier.map((row) => (
                  <Table.Tr key={row.id}>
                    <Table.Td>
                      <UnstyledButton fz="sm" td="underline" onClick={() => void open(row.id)} aria-label={`Open the import of ${formatTime(row.created_at)}`}>
                        {formatTime(row.created_at)}
                      </UnstyledButton>
                    </Table.Td>
                    <Table.Td>
                      <ImportStatus status={row.status} />
                    </Table.Td>
                    <Table.Td>{row.files.join(", ")}</Table.Td>
                    <Table.Td ta="right">{row.problems?.length ?? 0}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          ) : (
            <Text size="sm" c="dimmed">
              No import yet.
            </Text>
          )}
        </QueryState>
      </Card>
    </Stack>
  );
}
