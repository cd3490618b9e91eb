// The notifications endpoints as TanStack queries and mutations. Marking read patches the cached
// lists and the bell's count at once, then reads them again for the server's word.
import { keepPreviousData, useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { keys } from "@/api/keys";
import type { Channel, MarkAllResult, Notification, NotificationPage, Preferences, PreferencesUpdate, TelegramLink, TestResult, UnreadCount } from "./types";

export const PAGE_SIZE = 25;
/** How many of the latest unread the bell's list shows. */
export const BELL_SIZE = 8;

export interface ListFilters {
  unread_only?: boolean;
  type?: string;
  page?: number;
  page_size?: number;
}

export function listQuery(filters: ListFilters) {
  return {
    unread_only: filters.unread_only ? "true" : undefined,
    type: filters.type || undefined,
    page: filters.page && filters.page > 1 ? filters.page : undefined,
    page_size: filters.page_size,
  };
}

export function useNotificationList(filters: ListFilters, enabled = true) {
  return useQuery({
    queryKey: keys.notificationList(filters),
    queryFn: () => api<NotificationPage>("notifications", { query: listQuery(filters) }),
    enabled,
    // Another page or filter keeps showing the current rows until its own arrive.
    placeholderData: keepPreviousData,
  });
}

export function useUnreadCount() {
  return useQuery({
    queryKey: keys.notificationUnread,
    queryFn: () => api<UnreadCount>("notifications/unread-count"),
    // The live event keeps it current; this only catches up after a missed one.
    refetchInterval: 120_000,
  });
}

type Lists = [readonly unknown[], NotificationPage | undefined][];

function cachedLists(client: QueryClient): Lists {
  return client.getQueriesData<NotificationPage>({ queryKey: keys.notificationLists });
}

function filtersOf(key: readonly unknown[]): ListFilters {
  const filters = key[2];
  return filters && typeof filters === "object" ? (filters as ListFilters) : {};
}

/** Rows read now: replaced in every list, dropped from the unread-only ones. */
function markInLists(client: QueryClient, isRead: (row: Notification) => boolean, readAt: string): void {
  for (const [key, page] of cachedLists(client)) {
    if (!page?.results) continue;
    const unreadOnly = Boolean(filtersOf(key).unread_only);
    const results = unreadOnly
      ? page.results.filter((row) => !isRead(row))
      : page.results.map((row) => (isRead(row) && !row.read_at ? { ...row, read_at: readAt } : row));
    client.setQueryData<NotificationPage>(key, { ...page, count: page.count - (page.results.length - results.length), results });
  }
}

export function useMarkRead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<Notification>(`notifications/${id}/read`, { method: "POST" }),
    onSuccess: (row, id) => {
      const wasUnread = cachedLists(client).some(([, page]) => page?.results?.some((r) => r.id === id && !r.read_at));
      markInLists(client, (r) => r.id === id, row?.read_at ?? new Date().toISOString());
      const count = client.getQueryData<UnreadCount>(keys.notificationUnread);
      if (count && wasUnread) client.setQueryData<UnreadCount>(keys.notificationUnread, { unread: Math.max(0, count.unread - 1) });
      void client.invalidateQueries({ queryKey: keys.notifications });
    },
  });
}

export function useMarkAllRead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api<MarkAllResult>("notifications/read-all", { method: "POST" }),
    onSuccess: () => {
      markInLists(client, () => true, new Date().toISOString());
      client.setQueryData<UnreadCount>(keys.notificationUnread, { unread: 0 });
      void client.invalidateQueries({ queryKey: keys.notifications });
    },
  });
}

export function usePreferences() {
  return useQuery({ queryKey: keys.notificationPreferences, queryFn: () => api<Preferences>("notification-preferences") });
}

export function useSavePreferences() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: PreferencesUpdate) => api<Preferences>("notification-preferences", { method: "PUT", body: input }),
    onSuccess: (saved) => {
      const before = client.getQueryData<Preferences>(keys.notificationPreferences);
      // The catalogue comes with GET; a PUT answer without it keeps the one we have.
      client.setQueryData<Preferences>(keys.notificationPreferences, { ...saved, catalogue: saved.catalogue ?? before?.catalogue ?? [] });
    },
  });
}

export function useSendTest(channel: Channel) {
  return useMutation({
    mutationFn: () => api<TestResult>("notifications/test", { method: "POST", body: { channel } }),
  });
}

export function useTelegramLink() {
  return useMutation({
    mutationFn: () => api<TelegramLink>("notifications/telegram/link", { method: "POST" }),
  });
}
