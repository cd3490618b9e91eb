import { Anchor, Card, Code, Group, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link, useParams } from "react-router";
import { api } from "@/api/client";
import { keys } from "@/api/keys";
import type { SignalDetail } from "@/api/types";
import { useAccounts } from "@/features/accounts/api";
import { formatPrice, formatTime } from "@/lib/format";
import { PageHeader, QueryState } from "@/lib/ui";
import { OutcomeBadge, SignalReason } from "./SignalParts";

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text size="sm" component="div">
        {children || "—"}
      </Text>
    </div>
  );
}

/** The raw body as received (the server replaced the secret by ***), indented when it is JSON. */
function pretty(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}

export default function SignalDetailPage() {
  const { id = "" } = useParams();
  const signal = useQuery({
    queryKey: [...keys.signals, "detail", id],
    queryFn: () => api<SignalDetail>(`signals/${id}`),
    // The engine acts a moment after the webhook: follow a signal it has not handled yet.
    refetchInterval: (q) => (q.state.data?.outcome === "received" ? 1000 : false),
  });
  const accounts = useAccounts();
  const s = signal.data;
  const account = accounts.data?.results.find((a) => a.id === s?.account);
  return (
    <QueryState isLoading={signal.isLoading} error={signal.error}>
      {s && (
        <Stack>
          <PageHeader title={`Signal ${s.symbol || ""} ${s.side || ""}`.trim()} description={`Received ${formatTime(s.received_at)}`}>
            <Anchor component={Link} to="/signals">
              All signals
            </Anchor>
          </PageHeader>
          <Card withBorder>
            <Stack>
              <Group>
                <OutcomeBadge outcome={s.outcome} />
                {s.classification && <Text size="sm">{s.classification.replace(/_/g, " ")}</Text>}
              </Group>
              {s.reason && (
                <div data-testid="signal-reason">
                  <SignalReason signal={s} />
                </div>
              )}
              <SimpleGrid cols={{ base: 2, md: 4 }}>
                <Field label="Pair">{s.symbol}</Field>
                <Field label="Timeframe">{s.timeframe}</Field>
                <Field label="Type">{s.intent_type}</Field>
                <Field label="Price">{s.price ? formatPrice(s.price) : ""}</Field>
                <Field label="Exchange">{s.exchange}</Field>
                <Field label="Sent by TradingView">{formatTime(s.sent_at)}</Field>
                <Field label="Handled">{formatTime(s.processed_at)}</Field>
                <Field label="Position">
                  {s.position_group ? (
                    <Anchor component={Link} to={`/positions/${s.position_group}`}>
                      Open the position
                    </Anchor>
                  ) : null}
                </Field>
                <Field label="Account">{account ? `${account.label} (${account.exchange})` : s.account}</Field>
                <Field label="Refusal code">{s.reason_code}</Field>
                <Field label="Engine status">{s.status}</Field>
                <Field label="Source">{s.source}</Field>
                <Field label="Signal id">
                  <Code>{s.id}</Code>
                </Field>
              </SimpleGrid>
            </Stack>
          </Card>
          <SimpleGrid cols={{ base: 1, lg: 2 }}>
            <Card withBorder>
              <Title order={5} mb="xs">
                Message as received (secret replaced by ***)
              </Title>
              <Code block data-testid="signal-raw-body">
                {pretty(s.raw_body) || "—"}
              </Code>
            </Card>
            <Card withBorder>
              <Title order={5} mb="xs">
                As Tradefleet read it
              </Title>
              <Code block>{Object.keys(s.parsed ?? {}).length ? JSON.stringify(s.parsed, null, 2) : "— (refused before it could be read)"}</Code>
            </Card>
          </SimpleGrid>
        </Stack>
      )}
    </QueryState>
  );
}
