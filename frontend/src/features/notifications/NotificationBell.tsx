import { ActionIcon, Anchor, Button, Center, Group, Indicator, Loader, Popover, ScrollArea, Stack, Text } from "@mantine/core";
import { useId, useState } from "react";
import { Link } from "react-router";
import { BELL_SIZE, useMarkAllRead, useMarkRead, useNotificationList, useUnreadCount } from "./api";
import { NotificationItem } from "./NotificationItem";
import styles from "./notifications.module.css";
import type { Notification } from "./types";

function BellIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}

export function unreadLabel(count: number): string {
  return count > 99 ? "99+" : String(count);
}

/** The header's bell: the unread count (kept live by `notification.created`), and a list of
 * the latest unread with "mark all read" and the way to the notifications page. */
export function NotificationBell() {
  const [opened, setOpened] = useState(false);
  const titleId = useId();
  const unread = useUnreadCount();
  const count = unread.data?.unread ?? 0;
  // Read when the list opens; live events keep it current while it is cached.
  const latest = useNotificationList({ unread_only: true, page_size: BELL_SIZE }, opened);
  const markRead = useMarkRead();
  const markAll = useMarkAllRead();
  const rows = latest.data?.results ?? [];
  const more = Math.max(0, (latest.data?.count ?? 0) - rows.length);
  const close = () => setOpened(false);
  const open = (n: Notification) => {
    if (!n.read_at) markRead.mutate(n.id);
    close();
  };
  const name = count ? `Notifications: ${count} unread` : "Notifications: none unread";

  return (
    <Indicator
      label={
        <span aria-hidden="true" data-testid="unread-count">
          {unreadLabel(count)}
        </span>
      }
      disabled={count === 0}
      color="red.9"
      size={18}
      offset={5}
      zIndex={2}
    >
      {/* hideDetached off: the header is fixed, so the bell never scrolls away from its list. */}
      <Popover opened={opened} onChange={setOpened} position="bottom-end" width={380} shadow="md" trapFocus returnFocus hideDetached={false}>
        <Popover.Target>
          <ActionIcon variant="default" size="lg" aria-label={name} data-testid="notification-bell" data-unread={count} onClick={() => setOpened((o) => !o)}>
            <BellIcon />
          </ActionIcon>
        </Popover.Target>
        {/* Named by its heading: Mantine's own aria-labelledby (the bell, "Notifications: 3
            unread") would win over an aria-label. */}
        <Popover.Dropdown p={0} className={styles.page} role="dialog" aria-labelledby={titleId}>
          <Group justify="space-between" wrap="nowrap" px="md" py="xs">
            <Text fw={700} id={titleId}>
              Unread notifications
            </Text>
            <Button size="compact-sm" variant="subtle" disabled={count === 0} loading={markAll.isPending} onClick={() => markAll.mutate()}>
              Mark all read
            </Button>
          </Group>
          <ScrollArea.Autosize mah={420} type="auto">
            {latest.isLoading ? (
              <Center p="md">
                <Loader size="sm" />
              </Center>
            ) : latest.error ? (
              <Text size="sm" c="red" px="md" pb="sm" role="alert">
                Could not load the notifications: {latest.error.message}
              </Text>
            ) : rows.length === 0 ? (
              <Stack gap={4} px="md" pb="md" data-testid="bell-empty">
                <Text size="sm" fw={500}>
                  You are all caught up.
                </Text>
                <Text size="sm" c="dimmed">
                  New notifications about your trades, the trading service and your exchange keys show up here.
                </Text>
              </Stack>
            ) : (
              <div role="list" aria-label="Latest unread">
                {rows.map((n) => (
                  <NotificationItem
                    key={n.id}
                    notification={n}
                    compact
                    onOpen={open}
                    onMarkRead={(row) => markRead.mutate(row.id)}
                    marking={markRead.isPending && markRead.variables === n.id}
                  />
                ))}
              </div>
            )}
          </ScrollArea.Autosize>
          <Group justify="space-between" px="md" py="xs" style={{ borderTop: "1px solid var(--mantine-color-default-border)" }}>
            <Anchor component={Link} to="/notifications" size="sm" onClick={close}>
              {more > 0 ? `See all notifications (${more} more unread)` : "See all notifications"}
            </Anchor>
            <Anchor component={Link} to="/notifications/settings" size="sm" onClick={close}>
              Settings
            </Anchor>
          </Group>
        </Popover.Dropdown>
      </Popover>
    </Indicator>
  );
}
