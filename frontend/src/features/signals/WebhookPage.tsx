import { Button, Card, Code, CopyButton, Group, List, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/api/client";
import { keys } from "@/api/keys";
import type { WebhookSecret } from "@/api/types";
import { CopyField } from "@/lib/CopyField";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { formatTime } from "@/lib/format";
import { ConfirmButton, PageHeader, QueryState } from "@/lib/ui";

export default function WebhookPage() {
  const client = useQueryClient();
  const webhook = useQuery({ queryKey: keys.webhook, queryFn: () => api<WebhookSecret>("webhook-secret") });
  const [reveal, setReveal] = useState(false);
  const rotate = useMutation({
    mutationFn: () => api<WebhookSecret>("webhook-secret/rotate", { method: "POST" }),
    onSuccess: (data) => {
      client.setQueryData(keys.webhook, data);
      setReveal(true);
    },
  });
  const data = webhook.data;
  const template = data ? JSON.stringify(data.template, null, 2) : "";
  return (
    <QueryState isLoading={webhook.isLoading} error={webhook.error}>
      {data && (
        <Stack>
          <PageHeader title="Webhook setup" description="Where TradingView sends your alerts, and what it sends.">
            <ConfirmButton title="Rotate the secret?" message="The old secret stops working at once: every TradingView alert must get the new one." confirmLabel="Rotate" onConfirm={() => rotate.mutateAsync().catch(() => undefined)} loading={rotate.isPending}>
              Rotate secret
            </ConfirmButton>
          </PageHeader>
          <ErrorAlert error={rotate.error} />
          <Card withBorder>
            <Stack>
              <CopyField label="Webhook URL" value={data.url} testId="webhook-url" />
              <div>
                <Text size="sm" fw={500} mb={4}>
                  Secret {data.rotated_at ? `(rotated ${formatTime(data.rotated_at)})` : ""}
                </Text>
                <Group gap="xs" wrap="nowrap">
                  <Text ff="monospace" size="sm" style={{ flex: 1, wordBreak: "break-all" }} data-testid="webhook-secret">
                    {reveal ? data.secret : "•".repeat(Math.min(32, data.secret.length || 12))}
                  </Text>
                  <Button size="xs" variant="default" onClick={() => setReveal((r) => !r)}>
                    {reveal ? "Hide" : "Show"}
                  </Button>
                  <CopyButton value={data.secret}>
                    {({ copied, copy }) => (
                      <Button size="xs" variant="light" color={copied ? "teal" : "blue"} onClick={copy}>
                        {copied ? "Copied" : "Copy"}
                      </Button>
                    )}
                  </CopyButton>
                </Group>
              </div>
            </Stack>
          </Card>
          <Card withBorder>
            <Group justify="space-between" mb="xs">
              <Title order={4}>TradingView alert message</Title>
              <CopyButton value={template}>
                {({ copied, copy }) => (
                  <Button size="xs" variant="light" color={copied ? "teal" : "blue"} onClick={copy}>
                    {copied ? "Copied" : "Copy template"}
                  </Button>
                )}
              </CopyButton>
            </Group>
            <List size="sm" mb="sm">
              <List.Item>In TradingView, create an alert on your strategy and tick “Webhook URL”; paste the URL above.</List.Item>
              <List.Item>Paste this template as the alert message. The {"{{placeholders}}"} are filled by TradingView when the alert fires.</List.Item>
              <List.Item>Each pair needs a DCA configuration, or its signals are refused.</List.Item>
            </List>
            <Code block data-testid="webhook-template">
              {template}
            </Code>
          </Card>
        </Stack>
      )}
    </QueryState>
  );
}
