import { Badge, Box, Button, Group, Pagination, ScrollArea, Select, Switch, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { api, apiResponse } from "@/api/client";
import { keys } from "@/api/keys";
import type { Page, ServiceLog } from "@/api/types";
import { hasRole, useAuth } from "@/auth/AuthProvider";
import { saveResponse } from "@/lib/download";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { formatTime } from "@/lib/format";
import { QueryState } from "@/lib/ui";
import { CATEGORIES, LEVEL_COLORS, LEVELS, logQuery, matchesFilters, NO_FILTERS, type LogFilters } from "./levels";

const PAGE_SIZE = 100;

function LogRows({ rows }: { rows: ServiceLog[] }) {
  return (
    <>
      {rows.map((row) => (
        <Table.Tr key={row.id} data-level={row.level}>
          <Table.Td style={{ whiteSpace: "nowrap" }}>
            <Text size="xs">{formatTime(row.timestamp)}</Text>
          </Table.Td>
          <Table.Td>
            <Badge size="sm" color={LEVEL_COLORS[row.level] ?? "gray"} variant="filled">
              {row.level}
            </Badge>
          </Table.Td>
          <Table.Td>
            <Text size="xs">{row.category}</Text>
          </Table.Td>
          <Table.Td>
            <Text size="sm" c={row.level === "ERROR" || row.level === "CRITICAL" ? "red" : row.level === "WARNING" ? "yellow.8" : undefined} style={{ wordBreak: "break-word" }}>
              {row.message}
            </Text>
            <Text size="xs" c="dimmed">
              {row.module}
            </Text>
          </Table.Td>
        </Table.Tr>
      ))}
    </>
  );
}

function LogTable({ children }: { children: React.ReactNode }) {
  return (
    <Table verticalSpacing={4} striped data-testid="log-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Time</Table.Th>
          <Table.Th>Level</Table.Th>
          <Table.Th>Category</Table.Th>
          <Table.Th>Message</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>{children}</Table.Tbody>
    </Table>
  );
}

/** New entries as they are written, oldest at the top, following the newest unless scrolled up. */
function LiveTail({ filters }: { filters: LogFilters }) {
  const client = useQueryClient();
  const seed = useQuery({
    queryKey: [...keys.logTail],
    queryFn: async () => (await api<Page<ServiceLog>>("logs", { query: { page_size: 200 } })).results,
    staleTime: Infinity,
  });
  useEffect(() => () => client.removeQueries({ queryKey: keys.logTail }), [client]);
  const viewport = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);
  const rows = useMemo(() => [...(seed.data ?? [])].filter((row) => matchesFilters(row, filters)).reverse(), [seed.data, filters]);
  useEffect(() => {
    if (follow && viewport.current) viewport.current.scrollTo({ top: viewport.current.scrollHeight });
  }, [rows, follow]);
  return (
    <QueryState isLoading={seed.isLoading} error={seed.error}>
      <ScrollArea
        h={520}
        viewportRef={viewport}
        onScrollPositionChange={({ y }) => {
          const el = viewport.current;
          if (el) setFollow(el.scrollHeight - el.clientHeight - y < 40);
        }}
      >
        <LogTable>
          <LogRows rows={rows} />
        </LogTable>
      </ScrollArea>
      <Text size="xs" c="dimmed" mt={4}>
        {follow ? "Following new entries" : "Scrolled up: not following (scroll to the bottom to follow again)"} · {rows.length} shown
      </Text>
    </QueryState>
  );
}

function LogPages({ filters }: { filters: LogFilters }) {
  const [page, setPage] = useState(1);
  const query = logQuery(filters);
  const queryText = JSON.stringify(query);
  useEffect(() => setPage(1), [queryText]);
  const logs = useQuery({
    queryKey: [...keys.logs, "page", query, page],
    queryFn: () => api<Page<ServiceLog>>("logs", { query: { ...query, page, page_size: PAGE_SIZE } }),
    placeholderData: (previous) => previous,
  });
  const pages = Math.max(1, Math.ceil((logs.data?.count ?? 0) / PAGE_SIZE));
  return (
    <QueryState isLoading={logs.isLoading} error={logs.error}>
      <ScrollArea>
        <LogTable>
          <LogRows rows={logs.data?.results ?? []} />
        </LogTable>
      </ScrollArea>
      {!logs.data?.results.length && (
        <Text c="dimmed" ta="center" p="md">
          No log entries match.
        </Text>
      )}
      <Group justify="space-between" mt="sm">
        <Text size="sm" c="dimmed">
          {logs.data?.count ?? 0} entries
        </Text>
        <Pagination total={pages} value={page} onChange={setPage} size="sm" />
      </Group>
    </QueryState>
  );
}

export function ServiceLogView() {
  const { user } = useAuth();
  const [filters, setFilters] = useState<LogFilters>(NO_FILTERS);
  const [debounced] = useDebouncedValue(filters, 300);
  const [tail, setTail] = useState(true);
  const [exportError, setExportError] = useState<unknown>(null);
  const set = (patch: Partial<LogFilters>) => setFilters((f) => ({ ...f, ...patch }));

  const exportLogs = async (format: "csv" | "json") => {
    setExportError(null);
    try {
      const response = await apiResponse("logs/export", { method: "POST", body: { format, filters: logQuery(debounced) } });
      await saveResponse(response, `logs.${format}`);
    } catch (error) {
      setExportError(error);
    }
  };

  return (
    <Box>
      <Group mb="sm" align="flex-end" wrap="wrap">
        <Select label="Level" placeholder="Any" data={LEVELS} value={filters.level || null} onChange={(v) => set({ level: v ?? "" })} clearable w={130} />
        <Select label="Category" placeholder="Any" data={CATEGORIES} value={filters.category || null} onChange={(v) => set({ category: v ?? "" })} clearable w={140} />
        <TextInput label="Search" placeholder="message text" value={filters.search} onChange={(e) => set({ search: e.currentTarget.value })} w={200} />
        {!tail && (
          <>
            <TextInput label="From" type="datetime-local" value={filters.after} onChange={(e) => set({ after: e.currentTarget.value })} />
            <TextInput label="To" type="datetime-local" value={filters.before} onChange={(e) => set({ before: e.currentTarget.value })} />
          </>
        )}
        {hasRole(user, "admin") && !tail && <TextInput label="User id (admin)" value={filters.user_id} onChange={(e) => set({ user_id: e.currentTarget.value })} w={300} />}
        <Switch label="Live tail" checked={tail} onChange={(e) => setTail(e.currentTarget.checked)} mb={8} />
        <Group gap="xs" mb={2}>
          <Button size="xs" variant="default" onClick={() => void exportLogs("csv")}>
            Export CSV
          </Button>
          <Button size="xs" variant="default" onClick={() => void exportLogs("json")}>
            Export JSON
          </Button>
        </Group>
      </Group>
      <ErrorAlert error={exportError} title="Export failed" />
      {tail ? <LiveTail filters={debounced} /> : <LogPages filters={debounced} />}
    </Box>
  );
}
