import { Alert, Anchor, Badge, Button, Card, Code, CopyButton, Group, List, Loader, NumberInput, Select, SimpleGrid, Stack, Table, Tabs, Text, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api } from "@/api/client";
import { keys } from "@/api/keys";
import type { AlertSetup, AlertTestResult, SignalDetail, WebhookSecret } from "@/api/types";
import { CopyField } from "@/lib/CopyField";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { formatTime } from "@/lib/format";
import { ConfirmButton, PageHeader, QueryState } from "@/lib/ui";
import { maskSecret, templateText, testAlertVerdict, type Kind } from "./webhookSetup";

export default function WebhookPage() {
  const client = useQueryClient();
  const webhook = useQuery({ queryKey: keys.webhook, queryFn: () => api<WebhookSecret>("webhook-secret") });
  const [reveal, setReveal] = useState(false);
  const [account, setAccount] = useState<string | null>(null);
  const [config, setConfig] = useState<string | null>(null);
  const [sizing, setSizing] = useState<string | null>(null);
  const [amount, setAmount] = useState<string | number>("");
  const [debouncedAmount] = useDebouncedValue(amount, 400);
  const query = { account, dca_config: config, sizing, amount: sizing === "quote" && debouncedAmount !== "" ? String(debouncedAmount) : null };
  const setup = useQuery({
    queryKey: [...keys.webhookTemplates, query],
    queryFn: () => api<AlertSetup>("webhook-templates", { query }),
    placeholderData: keepPreviousData,
    enabled: sizing !== "quote" || debouncedAmount !== "",
  });
  const rotate = useMutation({
    mutationFn: () => api<WebhookSecret>("webhook-secret/rotate", { method: "POST" }),
    onSuccess: (data) => {
      client.setQueryData(keys.webhook, data);
      void client.invalidateQueries({ queryKey: keys.webhookTemplates });
      setReveal(true);
    },
  });
  const data = webhook.data;
  const page = setup.data;
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
              <Title order={4}>1. Webhook URL and secret</Title>
              <CopyField label="Webhook URL" value={data.url} testId="webhook-url" />
              {page && page.url_warnings.length > 0 && (
                <Alert color="yellow" title="TradingView cannot use this URL yet" data-testid="url-warning">
                  <List size="sm">
                    {page.url_warnings.map((warning) => (
                      <List.Item key={warning}>{warning}</List.Item>
                    ))}
                  </List>
                </Alert>
              )}
              <div>
                <Text size="sm" fw={500} mb={4}>
                  Secret {data.rotated_at ? `(rotated ${formatTime(data.rotated_at)})` : ""}
                </Text>
                <Group gap="xs" wrap="nowrap">
                  <Text ff="monospace" size="sm" style={{ flex: 1, wordBreak: "break-all" }} data-testid="webhook-secret">
                    {reveal ? data.secret : maskSecret(data.secret, data.secret)}
                  </Text>
                  <Button size="xs" variant="default" onClick={() => setReveal((r) => !r)} aria-pressed={reveal}>
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
            <Stack>
              <Title order={4}>2. The alert message</Title>
              <Text size="sm" c="dimmed">
                The message names the account it trades on, so it works whatever exchange your chart shows. Pick the account and DCA configuration; the messages below are built for them.
              </Text>
              <ErrorAlert error={setup.error} />
              {page && (
                <>
                  <SimpleGrid cols={{ base: 1, md: 2 }}>
                    <Select
                      label="Exchange account"
                      data={page.accounts.map((a) => ({ value: a.id, label: `${a.label} (${a.exchange}${a.is_default ? ", default" : ""})` }))}
                      value={page.account}
                      onChange={(value) => {
                        setAccount(value);
                        setConfig(null);
                      }}
                      allowDeselect={false}
                      placeholder="No exchange account"
                    />
                    <Select
                      label="DCA configuration"
                      data={page.dca_configs
                        .filter((c) => !page.account || c.account === page.account || (c.account === null && page.accounts.find((a) => a.id === page.account)?.exchange === c.exchange))
                        .map((c) => ({ value: c.id, label: `${c.symbol} ${c.timeframe || "any timeframe"}${c.account ? "" : ` (every ${c.exchange} account)`}` }))}
                      value={page.dca_config}
                      onChange={setConfig}
                      allowDeselect={false}
                      placeholder="No DCA configuration"
                    />
                    <Select
                      label="Order size"
                      data={page.sizing_modes.map((m) => ({ value: m.value, label: m.label, disabled: !m.available }))}
                      value={page.sizing}
                      onChange={setSizing}
                      allowDeselect={false}
                    />
                    {(sizing ?? page.sizing) === "quote" && <NumberInput label="Amount per entry (quote currency)" min={0} value={amount} onChange={setAmount} placeholder="250" />}
                  </SimpleGrid>
                  {page.warnings.map((warning) => (
                    <Alert key={warning} color="yellow" data-testid="setup-warning">
                      {warning}{" "}
                      {warning.includes("DCA configuration") && (
                        <Anchor component={Link} to="/dca-configs/new">
                          Create one
                        </Anchor>
                      )}
                      {warning.includes("exchange account") && (
                        <Anchor component={Link} to="/accounts">
                          Exchange accounts
                        </Anchor>
                      )}
                    </Alert>
                  ))}
                  {page.chart && (
                    <Text size="sm" data-testid="chart-hint">
                      Put the alert on a <b>{page.chart.ticker}</b> chart at {page.chart.timeframe === "any" ? <b>any timeframe</b> : <><b>{page.chart.timeframe}</b> (TradingView says <Code>{page.chart.interval}</Code>)</>}: the message sends the chart's symbol and timeframe, and they must match the DCA configuration.
                    </Text>
                  )}
                  {page.entry ? <Templates page={page} secret={data.secret} reveal={reveal} query={query} /> : null}
                </>
              )}
            </Stack>
          </Card>
          <Card withBorder>
            <Stack gap="xs">
              <Title order={4}>3. In TradingView</Title>
              <Text size="sm">
                The test buttons fill a message as TradingView would, at the exchange's current price, and post it to your webhook: it trades on the selected account.
              </Text>
              <List size="sm" type="ordered">
                <List.Item>
                  <b>On a strategy</b> (recommended): Create alert, Condition: your strategy, <i>Order fills only</i>. Message: the Strategy alert message. Notifications: tick “Webhook URL” and paste the URL above.
                </List.Item>
                <List.Item>
                  <b>On anything else</b> (an indicator's buy or sell condition): one alert with the Entry message for the buy condition, another with the Exit message for the sell condition, each with the Webhook URL.
                </List.Item>
              </List>
              {page && (
                <Table withTableBorder withColumnBorders fz="sm" mt="xs" data-testid="placeholders">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Placeholder</Table.Th>
                      <Table.Th>TradingView fills it with</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {page.placeholders.map((p) => (
                      <Table.Tr key={p.placeholder}>
                        <Table.Td>
                          <Code>{p.placeholder}</Code>
                        </Table.Td>
                        <Table.Td>{p.filled_with}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
              <Text size="sm" c="dimmed">
                Tradefleet reads the rest as written: <Code>tv.exchange</Code> and <Code>execution_intent.account</Code> (where the order goes), <Code>execution_intent.type</Code> (signal or exit), <Code>side</Code>, and the sizing fields.
              </Text>
            </Stack>
          </Card>
        </Stack>
      )}
    </QueryState>
  );
}

const TABS: { kind: Kind; label: string; about: string }[] = [
  { kind: "strategy", label: "Strategy alert", about: "For an alert on your strategy's order fills: TradingView sends this one message for every order, and Tradefleet reads from the strategy's position before and after the order whether it opens, adds to, reduces, closes or reverses the position." },
  { kind: "entry", label: "Entry (other alerts)", about: "For an alert on anything else (an indicator's condition, a price crossing): opens a long, or adds a pyramid to it." },
  { kind: "exit", label: "Exit (other alerts)", about: "For an alert on anything else: closes the long at market and cancels its open orders." },
];

function Templates({ page, secret, reveal, query }: { page: AlertSetup; secret: string; reveal: boolean; query: Record<string, string | null> }) {
  const [kind, setKind] = useState<Kind>("strategy");
  return (
    <Tabs value={kind} onChange={(value) => setKind((value as Kind) ?? "strategy")}>
      <Tabs.List>
        {TABS.map((tab) => (
          <Tabs.Tab key={tab.kind} value={tab.kind}>
            {tab.label}
          </Tabs.Tab>
        ))}
      </Tabs.List>
      {TABS.map(({ kind: k, about }) => {
        const text = templateText(page[k]);
        return (
          <Tabs.Panel key={k} value={k} pt="sm">
            <Stack gap="xs">
              <Group justify="space-between" wrap="nowrap" align="flex-start">
                <Text size="sm" c="dimmed">
                  {about} The secret shows as dots until you press Show above; Copy copies it in full.
                </Text>
                <CopyButton value={text}>
                  {({ copied, copy }) => (
                    <Button size="xs" variant="light" color={copied ? "teal" : "blue"} onClick={copy} data-testid={`copy-${k}-template`} style={{ flexShrink: 0 }}>
                      {copied ? "Copied" : "Copy message"}
                    </Button>
                  )}
                </CopyButton>
              </Group>
              <Code block data-testid={`${k}-template`}>
                {reveal ? text : maskSecret(text, secret)}
              </Code>
              {k === "strategy" ? (
                <Group align="flex-start" grow>
                  <TestAlert kind="strategy" closing={false} label="Test: an opening order" query={query} page={page} />
                  <TestAlert kind="strategy" closing label="Test: a closing order" query={query} page={page} />
                </Group>
              ) : (
                <TestAlert kind={k} closing={false} label={`Send test ${k} alert`} query={query} page={page} />
              )}
            </Stack>
          </Tabs.Panel>
        );
      })}
    </Tabs>
  );
}

function TestAlert({ kind, closing, label, query, page }: { kind: Kind; closing: boolean; label: string; query: Record<string, string | null>; page: AlertSetup }) {
  const client = useQueryClient();
  const send = useMutation({
    mutationFn: () => api<AlertTestResult>("webhook-templates/test", { method: "POST", body: { account: page.account, dca_config: page.dca_config, sizing: page.sizing, amount: query.amount ?? undefined, template: kind, closing } }),
    onSuccess: () => void client.invalidateQueries({ queryKey: keys.signals }),
  });
  const signalId = send.data?.signal?.id;
  // The engine acts a moment after the webhook answers: follow the signal until it has.
  const signal = useQuery({
    queryKey: ["signal", signalId],
    queryFn: () => api<SignalDetail>(`signals/${signalId}`),
    enabled: Boolean(signalId),
    refetchInterval: (q) => (q.state.data?.outcome === "received" ? 500 : false),
  });
  const verdict = send.data ? testAlertVerdict(send.data, signal.data ?? null) : null;
  return (
    <Stack gap="xs">
      <Group>
        <Button onClick={() => send.mutate()} loading={send.isPending} disabled={!page.dca_config} variant="default">
          {label}
        </Button>
      </Group>
      <ErrorAlert error={send.error} />
      {verdict && (
        <Alert color={verdict.color} title={verdict.title} data-testid={`test-${kind}${closing ? "-closing" : ""}-result`} role="status">
          <Stack gap={4}>
            {verdict.detail && <Text size="sm">{verdict.detail}</Text>}
            {verdict.field && (
              <Text size="sm">
                Field: <Code>{verdict.field}</Code>
              </Text>
            )}
            <Group gap="xs">
              {verdict.pending && <Loader size="xs" />}
              <Badge variant="light">HTTP {send.data?.http_status}</Badge>
              {verdict.positionId && (
                <Anchor component={Link} to={`/positions/${verdict.positionId}`} size="sm">
                  Open the position
                </Anchor>
              )}
              {verdict.signalId && (
                <Anchor component={Link} to={`/signals/${verdict.signalId}`} size="sm">
                  See the signal
                </Anchor>
              )}
            </Group>
          </Stack>
        </Alert>
      )}
    </Stack>
  );
}
