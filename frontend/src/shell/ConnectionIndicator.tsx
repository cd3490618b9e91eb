import { Badge, Tooltip } from "@mantine/core";
import type { ConnectionState } from "@/live/socket";
import { useLiveState } from "@/live/LiveEvents";

const LOOK: Record<ConnectionState, { color: string; label: string; hint: string }> = {
  open: { color: "teal", label: "Live", hint: "Updates arrive as they happen" },
  connecting: { color: "gray", label: "Connecting", hint: "Opening the live connection" },
  reconnecting: { color: "yellow", label: "Reconnecting", hint: "The live connection dropped; retrying with backoff" },
  offline: { color: "red", label: "Offline", hint: "No live updates: log in again" },
};

export function ConnectionBadge({ state }: { state: ConnectionState }) {
  const look = LOOK[state];
  return (
    <Tooltip label={look.hint}>
      <Badge color={look.color} variant="dot" data-testid="connection-state" data-state={state}>
        {look.label}
      </Badge>
    </Tooltip>
  );
}

export function ConnectionIndicator() {
  const { state } = useLiveState();
  return <ConnectionBadge state={state} />;
}
