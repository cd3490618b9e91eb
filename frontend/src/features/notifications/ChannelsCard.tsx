import { Badge, Card, Divider, Group, SimpleGrid, Stack, Switch, Text, TextInput, Title } from "@mantine/core";
import { SendTestButton } from "./SendTestButton";
import type { Draft } from "./settingsDraft";
import { TelegramLinkPanel } from "./TelegramLinkPanel";

interface Props {
  draft: Draft;
  set: (change: Partial<Draft>) => void;
  error: (field: string) => string | undefined;
  chatId: string | null;
  unsaved: boolean;
}

/** Where notifications go: in-app always, e-mail to an address, Telegram to a linked chat. */
export function ChannelsCard({ draft, set, error, chatId, unsaved }: Props) {
  const linked = chatId !== null && chatId !== "";
  return (
    <Card withBorder>
      <Title order={3} mb="sm">
        Channels
      </Title>
      <Stack gap="md">
        <Group justify="space-between" align="flex-start" wrap="wrap">
          <Stack gap={2}>
            <Text fw={600}>In-app</Text>
            <Text size="sm" c="dimmed">
              Always on: the bell in the header and the notifications page.
            </Text>
          </Stack>
          <SendTestButton channel="in_app" unsaved={unsaved} />
        </Group>
        <Divider />
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Stack gap="xs">
            <Switch
              label="E-mail"
              description="Each notification the table below sends by e-mail, as one message (bursts are grouped)."
              checked={draft.email_enabled}
              onChange={(e) => set({ email_enabled: e.currentTarget.checked })}
              error={error("email_enabled")}
            />
            <TextInput
              label="E-mail address"
              description="Empty: your account's address."
              type="email"
              autoComplete="email"
              value={draft.email_address}
              onChange={(e) => set({ email_address: e.currentTarget.value })}
              error={error("email_address")}
              maw={420}
            />
          </Stack>
          <Stack gap="xs" justify="flex-end">
            <SendTestButton channel="email" unsaved={unsaved} />
          </Stack>
        </SimpleGrid>
        <Divider />
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Stack gap="xs">
            <Switch
              label="Telegram"
              description="Messages from the Tradefleet bot to your Telegram chat, once it is linked."
              checked={draft.telegram_enabled}
              onChange={(e) => set({ telegram_enabled: e.currentTarget.checked })}
              error={error("telegram_enabled") ?? error("telegram_chat_id")}
            />
            <Group gap="xs">
              <Badge color={linked ? "teal" : "gray"} variant="light" data-testid="telegram-state">
                {linked ? "Linked" : "Not linked"}
              </Badge>
              {linked && (
                <Text size="sm" c="dimmed">
                  chat {String(chatId)}
                </Text>
              )}
            </Group>
            <TelegramLinkPanel chatId={chatId} />
          </Stack>
          <Stack gap="xs" justify="flex-end">
            <SendTestButton channel="telegram" unsaved={unsaved} />
          </Stack>
        </SimpleGrid>
      </Stack>
    </Card>
  );
}
