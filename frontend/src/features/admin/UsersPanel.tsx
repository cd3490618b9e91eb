import { Badge, Group, Select, Switch, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/api/client";
import { keys } from "@/api/keys";
import type { Page, Role, User } from "@/api/types";
import { useAuth } from "@/auth/AuthProvider";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { formatTime } from "@/lib/format";
import { QueryState } from "@/lib/ui";

const ROLES: Role[] = ["viewer", "trader", "manager", "admin"];

export function UsersPanel() {
  const { user: me } = useAuth();
  const client = useQueryClient();
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search, 300);
  const users = useQuery({ queryKey: [...keys.users, debounced], queryFn: () => api<Page<User>>("users", { query: { search: debounced, page_size: 200 } }) });
  const update = useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: { role?: Role; is_active?: boolean } }) => api<User>(`users/${id}`, { method: "PATCH", body: patch }),
    onSuccess: () => void client.invalidateQueries({ queryKey: keys.users }),
  });
  return (
    <>
      <TextInput label="Search" placeholder="e-mail or username" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={280} mb="sm" />
      <ErrorAlert error={update.error} title="Not changed" />
      <QueryState isLoading={users.isLoading} error={users.error}>
        <Table.ScrollContainer minWidth={700}>
          <Table verticalSpacing="xs" data-testid="users-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>User</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Active</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Last login</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(users.data?.results ?? []).map((user) => (
                <Table.Tr key={user.id}>
                  <Table.Td>
                    <Text fw={500}>{user.username}</Text>
                    <Text size="xs" c="dimmed">
                      {user.email}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs">
                      <Select size="xs" w={120} data={ROLES} value={user.role} disabled={user.id === me?.id} onChange={(role) => role && update.mutate({ id: user.id, patch: { role: role as Role } })} allowDeselect={false} aria-label={`Role of ${user.email}`} />
                      {user.id === me?.id && <Badge size="xs">you</Badge>}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Switch checked={user.is_active} disabled={user.id === me?.id} onChange={(e) => update.mutate({ id: user.id, patch: { is_active: e.currentTarget.checked } })} aria-label={`${user.email} is active`} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">{formatTime(user.created_at)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">{formatTime(user.last_login)}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </QueryState>
    </>
  );
}
