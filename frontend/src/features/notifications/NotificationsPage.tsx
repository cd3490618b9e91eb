import { Anchor, Button, Card, Group, Pagination, SegmentedControl, Select, Stack, Text } from "@mantine/core";
import { Link, useSearchParams } from "react-router";
import { hasRole, useAuth } from "@/auth/AuthProvider";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { PageHeader, QueryState } from "@/lib/ui";
import { PAGE_SIZE, useMarkAllRead, useMarkRead, useNotificationList, usePreferences, useUnreadCount, type ListFilters } from "./api";
import { NotificationItem } from "./NotificationItem";
import { typeLabel, typeOptions } from "./notificationView";
import styles from "./notifications.module.css";

function EmptyState({ filtered, unreadOnly, onClear }: { filtered: boolean; unreadOnly: boolean; onClear: () => void }) {
  if (filtered) {
    return (
      <Stack align="center" p="xl" gap="xs" data-testid="notifications-empty">
        <Text fw={500}>{unreadOnly ? "Nothing unread here." : "No notification of this type yet."}</Text>
        <Button variant="subtle" size="xs" onClick={onClear}>
          Show every notification
        </Button>
      </Stack>
    );
  }
  return (
    <Stack align="center" p="xl" gap="xs" data-testid="notifications-empty">
      <Text fw={500}>No notification yet.</Text>
      <Text size="sm" c="dimmed" ta="center" maw={620}>
        What happens while you are not looking appears here as it happens: a signal refused or queued, a position opened, legs filled, a
        take-profit hit, a stop or a close, a risk action, the daily loss breaker, the trading service stopping or starting, an exchange key
        that fails validation or market data running late.
      </Text>
      <Text size="sm" c="dimmed" ta="center" maw={620}>
        Choose which ones also reach you by e-mail or Telegram in{" "}
        <Anchor component={Link} to="/notifications/settings" underline="always">
          notification settings
        </Anchor>
        .
      </Text>
    </Stack>
  );
}

/** /notifications: everything the platform told you, newest first, filtered by unread and type. */
export default function NotificationsPage() {
  const { user } = useAuth();
  const [params, setParams] = useSearchParams();
  const unreadOnly = params.get("show") === "unread";
  const type = params.get("type") ?? "";
  const page = Number(params.get("page") ?? "1") || 1;
  const filters: ListFilters = { unread_only: unreadOnly, type, page, page_size: PAGE_SIZE };
  const list = useNotificationList(filters);
  const preferences = usePreferences();
  const catalogue = preferences.data?.catalogue ?? [];
  const unread = useUnreadCount().data?.unread ?? 0;
  const markRead = useMarkRead();
  const markAll = useMarkAllRead();

  const update = (changes: Record<string, string | null>) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      for (const [name, value] of Object.entries(changes)) {
        if (value) next.set(name, value);
        else next.delete(name);
      }
      if (!("page" in changes)) next.delete("page");
      return next;
    });
  const count = list.data?.count ?? 0;
  const rows = list.data?.results ?? [];
  const options = typeOptions(catalogue, hasRole(user, "admin"));
  // A type in the address the catalogue does not offer (an old link) stays choosable.
  if (type && !catalogue.some((entry) => entry.type === type)) options.push({ group: "Other", items: [{ value: type, label: typeLabel(catalogue, type) }] });

  return (
    <Stack className={styles.page}>
      <PageHeader
        title="Notifications"
        description="What the platform told you about your trades, the trading service and your exchange keys, newest first. New ones arrive live; the bell in the header counts the unread."
      >
        <Button variant="light" onClick={() => markAll.mutate()} loading={markAll.isPending} disabled={unread === 0}>
          {unread ? `Mark all read (${unread})` : "Mark all read"}
        </Button>
        <Button component={Link} to="/notifications/settings" variant="default">
          Settings
        </Button>
      </PageHeader>
      <ErrorAlert error={markAll.error ?? markRead.error} title="Not marked read" />
      <Group align="flex-end">
        <SegmentedControl
          aria-label="Show"
          data={[
            { value: "all", label: "All" },
            { value: "unread", label: "Unread" },
          ]}
          value={unreadOnly ? "unread" : "all"}
          onChange={(value) => update({ show: value === "unread" ? "unread" : null })}
        />
        <Select label="Type" placeholder="Every type" data={options} value={type || null} onChange={(value) => update({ type: value })} clearable searchable w={280} />
      </Group>
      <QueryState isLoading={list.isLoading} error={list.error}>
        <Card withBorder padding={0}>
          {rows.length === 0 ? (
            <EmptyState filtered={unreadOnly || Boolean(type)} unreadOnly={unreadOnly} onClear={() => setParams(new URLSearchParams())} />
          ) : (
            <div role="list" aria-label="Notifications">
              {rows.map((n) => (
                <NotificationItem
                  key={n.id}
                  notification={n}
                  typeLabel={typeLabel(catalogue, n.type)}
                  onOpen={(row) => !row.read_at && markRead.mutate(row.id)}
                  onMarkRead={(row) => markRead.mutate(row.id)}
                  marking={markRead.isPending && markRead.variables === n.id}
                />
              ))}
            </div>
          )}
        </Card>
        {count > 0 && (
          <Group justify="space-between">
            <Text size="sm" c="dimmed">
              {count} notification{count === 1 ? "" : "s"}
              {unreadOnly ? " unread" : ""}
            </Text>
            {count > PAGE_SIZE && (
              <Pagination
                total={Math.ceil(count / PAGE_SIZE)}
                value={page}
                onChange={(p) => update({ page: String(p) })}
                size="sm"
                getControlProps={(control) => ({ "aria-label": `${control} page` })}
              />
            )}
          </Group>
        )}
      </QueryState>
    </Stack>
  );
}
