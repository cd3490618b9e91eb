import { Code, Group, Pagination, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/api/client";
import { keys } from "@/api/keys";
import type { AuditLog, Page } from "@/api/types";
import { formatTime } from "@/lib/format";
import { QueryState } from "@/lib/ui";

export function AuditPanel() {
  const [filters, setFilters] = useState({ user: "", action: "", resource_type: "", created_after: "", created_before: "" });
  const [debounced] = useDebouncedValue(filters, 300);
  const [page, setPage] = useState(1);
  const query = {
    ...debounced,
    created_after: debounced.created_after ? new Date(debounced.created_after).toISOString() : "",
    created_before: debounced.created_before ? new Date(debounced.created_before).toISOString() : "",
    page,
    page_size: 50,
  };
  const audit = useQuery({ queryKey: [...keys.audit, query], queryFn: () => api<Page<AuditLog>>("audit", { query }), placeholderData: (p) => p });
  const set = (patch: Partial<typeof filters>) => {
    setFilters((f) => ({ ...f, ...patch }));
    setPage(1);
  };
  return (
    <>
      <Group mb="sm" align="flex-end" wrap="wrap">
        <TextInput label="User id" value={filters.user} onChange={(e) => set({ user: e.currentTarget.value })} w={300} />
        <TextInput label="Action" placeholder="auth.login" value={filters.action} onChange={(e) => set({ action: e.currentTarget.value })} />
        <TextInput label="Resource" placeholder="exchange_config" value={filters.resource_type} onChange={(e) => set({ resource_type: e.currentTarget.value })} />
        <TextInput label="From" type="datetime-local" value={filters.created_after} onChange={(e) => set({ created_after: e.currentTarget.value })} />
        <TextInput label="To" type="datetime-local" value={filters.created_before} onChange={(e) => set({ created_before: e.currentTarget.value })} />
      </Group>
      <QueryState isLoading={audit.isLoading} error={audit.error}>
        {/* A region the keyboard can reach, so a narrow window can scroll the table sideways. */}
        <Table.ScrollContainer minWidth={800} scrollAreaProps={{ viewportProps: { tabIndex: 0, role: "region", "aria-label": "Audit entries" } }}>
          <Table verticalSpacing={4} striped data-testid="audit-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Time</Table.Th>
                <Table.Th>Actor</Table.Th>
                <Table.Th>Action</Table.Th>
                <Table.Th>Resource</Table.Th>
                <Table.Th>Changes</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(audit.data?.results ?? []).map((row) => (
                <Table.Tr key={row.id}>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>
                    <Text size="xs">{formatTime(row.created_at)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">{String((row.actor as Record<string, unknown> | null)?.email ?? (row.actor as Record<string, unknown> | null)?.username ?? "system")}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {row.action}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">
                      {row.resource_type} {row.resource_id}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Code>{JSON.stringify(row.changes)}</Code>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <Group justify="flex-end" mt="sm">
          <Pagination total={Math.max(1, Math.ceil((audit.data?.count ?? 0) / 50))} value={page} onChange={setPage} size="sm" />
        </Group>
      </QueryState>
    </>
  );
}
