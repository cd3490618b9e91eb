// Pieces of a signal shown on the Signals page, the signal's page and the dashboard.
import { Badge, Code, Text } from "@mantine/core";
import type { Signal } from "@/api/types";
import { OUTCOME_COLORS, reasonText } from "./signalView";

export function OutcomeBadge({ outcome }: { outcome: Signal["outcome"] }) {
  return (
    <Badge color={OUTCOME_COLORS[outcome] ?? "gray"} variant="light" data-outcome={outcome}>
      {outcome}
    </Badge>
  );
}

/** Why a signal was refused or queued, the field of the message it is about in monospace. */
export function SignalReason({ signal, size = "sm" }: { signal: Pick<Signal, "reason" | "reason_field">; size?: "xs" | "sm" }) {
  if (!signal.reason) return null;
  return (
    <Text size={size} style={{ wordBreak: "break-word" }} component="span">
      {signal.reason_field && (
        <>
          <Code>{signal.reason_field}</Code>{" "}
        </>
      )}
      {reasonText(signal)}
    </Text>
  );
}
