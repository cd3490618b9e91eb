import { Anchor, Button, Group, Stack, Text } from "@mantine/core";
import { Link } from "react-router";
import { formatTime, timeAgo } from "@/lib/format";
import { LevelBadge } from "./LevelBadge";
import { levelOf } from "./levels";
import { appPath } from "./notificationView";
import styles from "./notifications.module.css";
import type { Notification } from "./types";

interface Props {
  notification: Notification;
  /** The type's words ("Leg filled"); left out in the bell, where the title says enough. */
  typeLabel?: string;
  compact?: boolean;
  /** The link was followed: the caller marks it read (and closes the bell). */
  onOpen?: (notification: Notification) => void;
  onMarkRead?: (notification: Notification) => void;
  marking?: boolean;
}

/** One notification: its level, title (linking to what it is about), message and time. */
export function NotificationItem({ notification: n, typeLabel, compact = false, onOpen, onMarkRead, marking }: Props) {
  const unread = !n.read_at;
  const href = appPath(n.link);
  const title = (
    <Text span fw={unread ? 700 : 500} size={compact ? "sm" : "md"}>
      {n.title || "Notification"}
    </Text>
  );
  return (
    <div
      className={styles.item}
      role="listitem"
      data-testid="notification"
      data-notification-id={n.id}
      data-level={levelOf(n.level)}
      data-unread={unread ? "" : undefined}
    >
      <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
        <Stack gap={4} style={{ flex: 1, minWidth: 0 }}>
          <Group gap={6} wrap="wrap">
            <LevelBadge level={n.level} />
            {unread && (
              <Text span size="xs" fw={700}>
                Unread
              </Text>
            )}
            <Text span size="xs" c="dimmed">
              {typeLabel ? `${typeLabel} · ` : ""}
              <time dateTime={n.created_at} title={formatTime(n.created_at)}>
                {compact ? timeAgo(n.created_at) : formatTime(n.created_at)}
              </time>
            </Text>
          </Group>
          {href ? (
            <Anchor component={Link} to={href} onClick={() => onOpen?.(n)} underline="hover">
              {title}
            </Anchor>
          ) : (
            title
          )}
          {n.message && (
            <Text size="sm" className={styles.message} lineClamp={compact ? 3 : undefined}>
              {n.message}
            </Text>
          )}
        </Stack>
        {unread && onMarkRead && (
          <Button size="compact-xs" variant="subtle" onClick={() => onMarkRead(n)} loading={marking} aria-label={`Mark “${n.title || "notification"}” read`}>
            Mark read
          </Button>
        )}
      </Group>
    </div>
  );
}
