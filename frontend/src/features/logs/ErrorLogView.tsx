import { Badge, Button, Code, Group, Modal, Pagination, ScrollArea, Select, Stack, Table, Text, TextInput, Textarea } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/api/client";
import { keys } from "@/api/keys";
import type { ErrorLog, Page } from "@/api/types";
import { hasRole, useAuth } from "@/auth/AuthProvider";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { formatTime } from "@/lib/format";
import { QueryState } from "@/lib/ui";

function ErrorDetail({ error, onClose }: { error: ErrorLog; onClose: () => void }) {
  const { user } = useAuth();
  const client = useQueryClient();
  const [notes, setNotes] = useState("");
  const resolve = useMutation({
    mutationFn: () => api<ErrorLog>(`logs/errors/${error.id}/resolve`, { method: "POST", body: { notes } }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.errors });
      onClose();
    },
  });
  return (
    <Stack>
      <Group>
        <Badge color="red">{error.error_type}</Badge>
        <Text size="sm" c="dimmed">
          {formatTime(error.created_at)}
        </Text>
        {error.resolved && <Badge color="teal">resolved {formatTime(error.resolved_at)}</Badge>}
      </Group>
      <Text fw={500}>{error.message}</Text>
      <Text size="sm" fw={600}>
        Traceback
      </Text>
      <ScrollArea h={300} type="auto">
        <Code block data-testid="traceback">
          {error.traceback || "(none recorded)"}
        </Code>
      </ScrollArea>
      <Text size="sm" fw={600}>
        Context
      </Text>
      <Code block>{JSON.stringify(error.context, null, 2)}</Code>
      {error.resolved && error.resolution_notes && <Text size="sm">Notes: {error.resolution_notes}</Text>}
      {!error.resolved && hasRole(user, "admin") && (
        <>
          <Textarea label="Resolution notes" value={notes} onChange={(e) => setNotes(e.currentTarget.value)} />
          <ErrorAlert error={resolve.error} />
          <Group justify="flex-end">
            <Button onClick={() => resolve.mutate()} loading={resolve.isPending}>
              Mark resolved
            </Button>
          </Group>
        </>
      )}
    </Stack>
  );
}

export function ErrorLogView() {
  const [resolved, setResolved] = useState<string>("false");
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search, 300);
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<ErrorLog | null>(null);
  const query = { resolved: resolved === "all" ? "" : resolved, search: debounced, page, page_size: 50 };
  const errors = useQuery({ queryKey: [...keys.errors, query], queryFn: () => api<Page<ErrorLog>>("logs/errors", { query }), placeholderData: (p) => p });
  const pages = Math.max(1, Math.ceil((errors.data?.count ?? 0) / 50));
  return (
    <>
      <Group mb="sm" align="flex-end">
        <Select label="Show" data={[{ value: "false", label: "Unresolved" }, { value: "true", label: "Resolved" }, { value: "all", label: "All" }]} value={resolved} onChange={(v) => { setResolved(v ?? "false"); setPage(1); }} allowDeselect={false} w={160} />
        <TextInput label="Search" value={search} onChange={(e) => { setSearch(e.currentTarget.value); setPage(1); }} w={240} />
      </Group>
      <QueryState isLoading={errors.isLoading} error={errors.error}>
        <ScrollArea>
          <Table verticalSpacing={4} highlightOnHover data-testid="error-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Time</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>Message</Table.Th>
                <Table.Th>Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(errors.data?.results ?? []).map((error) => (
                <Table.Tr key={error.id} onClick={() => setOpen(error)} style={{ cursor: "pointer" }}>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>
                    <Text size="xs">{formatTime(error.created_at)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge color="red" variant="light">
                      {error.error_type}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" lineClamp={2}>
                      {error.message}
                    </Text>
                  </Table.Td>
                  <Table.Td>{error.resolved ? <Badge color="teal">resolved</Badge> : <Badge color="red">open</Badge>}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
        {!errors.data?.results.length && (
          <Text c="dimmed" ta="center" p="md">
            No errors here.
          </Text>
        )}
        <Group justify="flex-end" mt="sm">
          <Pagination total={pages} value={page} onChange={setPage} size="sm" />
        </Group>
      </QueryState>
      <Modal opened={!!open} onClose={() => setOpen(null)} title="Error" size="xl">
        {open && <ErrorDetail error={open} onClose={() => setOpen(null)} />}
      </Modal>
    </>
  );
}
