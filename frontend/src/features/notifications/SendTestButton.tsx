import { Button, Group, Text } from "@mantine/core";
import { useSendTest } from "./api";
import { CHANNEL_LABELS } from "./levels";
import type { Channel } from "./types";

const WHERE: Record<Channel, string> = {
  in_app: "Sent: the bell counts it.",
  email: "Sent: check your inbox (and the spam folder).",
  telegram: "Sent: check your Telegram chat with the bot.",
};

/** Sends a test through one channel with the saved settings; a channel that is not set up
 * answers 409 with the reason, shown next to the button. */
export function SendTestButton({ channel, unsaved }: { channel: Channel; unsaved: boolean }) {
  const test = useSendTest(channel);
  return (
    <Group gap="xs" wrap="wrap" data-testid={`test-${channel}`}>
      <Button size="xs" variant="light" loading={test.isPending} onClick={() => test.mutate()} aria-label={`Send a test ${CHANNEL_LABELS[channel]} notification`}>
        Send test
      </Button>
      {test.isSuccess && (
        <Text size="sm" c="teal" role="status">
          {WHERE[channel]}
        </Text>
      )}
      {test.error && (
        <Text size="sm" c="red" role="alert">
          {test.error.message}
        </Text>
      )}
      {unsaved && !test.isPending && !test.error && !test.isSuccess && (
        <Text size="xs" c="dimmed">
          Uses your saved settings.
        </Text>
      )}
    </Group>
  );
}
