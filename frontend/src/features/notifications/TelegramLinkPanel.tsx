import { Alert, Anchor, Button, Group, List, Stack, Text } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { keys } from "@/api/keys";
import { CopyField } from "@/lib/CopyField";
import { formatTime } from "@/lib/format";
import { ConfirmButton } from "@/lib/ui";
import { useSavePreferences, useTelegramLink } from "./api";

/** How often the page asks whether the bot has the user's chat yet, while a code is shown. */
const LINK_POLL_MS = 4000;

/** "Link Telegram": a single-use code the user sends to the bot as `/start <code>`; the bot
 * stores their chat, and the page notices on its next read of the preferences (a new chat id). */
export function TelegramLinkPanel({ chatId }: { chatId: string | null }) {
  const link = useTelegramLink();
  const unlink = useSavePreferences();
  const client = useQueryClient();
  const [now, setNow] = useState(() => Date.now());
  // The chat linked when the code was asked for: linking another chat changes it.
  const [before, setBefore] = useState<string | null>(null);
  const linked = chatId !== null && chatId !== "";
  const code = link.data;
  const done = Boolean(code) && linked && chatId !== before;
  const expired = code ? new Date(code.expires_at).getTime() <= now : false;
  const waiting = Boolean(code) && !done && !expired;

  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => {
      setNow(Date.now());
      void client.invalidateQueries({ queryKey: keys.notificationPreferences });
    }, LINK_POLL_MS);
    return () => clearInterval(timer);
  }, [waiting, client]);

  return (
    <Stack gap="xs">
      <Group gap="xs">
        <Button size="xs" variant={linked ? "default" : "filled"} onClick={() => (unlink.reset(), setBefore(chatId), setNow(Date.now()), link.mutate())} loading={link.isPending}>
          {linked ? "Link another Telegram chat" : "Link Telegram"}
        </Button>
        {linked && (
          <ConfirmButton
            size="xs"
            title="Unlink Telegram?"
            message="Notifications stop going to this Telegram chat. You can link a chat again at any time."
            confirmLabel="Unlink"
            loading={unlink.isPending}
            onConfirm={() => (link.reset(), unlink.mutate({ telegram_chat_id: null }))}
          >
            Unlink
          </ConfirmButton>
        )}
      </Group>
      {(link.error ?? unlink.error) && (
        <Text size="sm" c="red" role="alert">
          {(link.error ?? unlink.error)?.message}
        </Text>
      )}
      {done && !link.isPending && (
        <Text size="sm" c="teal" role="status">
          Linked: notifications go to your Telegram chat.
        </Text>
      )}
      {code && !done && !link.isPending && (
        <Alert color={expired ? "red" : "blue"} title={expired ? "The code has expired" : `Send /start ${code.code} to the bot`} data-testid="telegram-link">
          <Stack gap="xs">
            <List type="ordered" size="sm" spacing={4}>
              <List.Item>
                {code.bot_url ? (
                  <>
                    Open the bot:{" "}
                    <Anchor href={code.bot_url} target="_blank" rel="noopener noreferrer" underline="always">
                      {code.bot_url.replace(/^https?:\/\//, "").replace(/\?.*$/, "")}
                    </Anchor>{" "}
                    (the link fills in the message for you: press Start).
                  </>
                ) : (
                  "Open your Tradefleet bot in Telegram (your administrator knows its name)."
                )}
              </List.Item>
              <List.Item>Send it this message:</List.Item>
            </List>
            <CopyField label="Message to send" value={`/start ${code.code}`} testId="telegram-start" />
            <Text size="sm" c="dimmed">
              {expired
                ? "Ask for a new code above."
                : `The code works once, until ${formatTime(code.expires_at)}. This page says "Linked" as soon as the bot has your chat.`}
            </Text>
          </Stack>
        </Alert>
      )}
    </Stack>
  );
}
