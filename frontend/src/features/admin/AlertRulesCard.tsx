// The alert rules of the performance dashboard: each rule's threshold, on/off and whether it
// fires now, saved one rule at a time; then the alerts that fired most recently.
import { Badge, Button, Card, Fieldset, Group, NumberInput, SimpleGrid, Stack, Switch, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { fieldError } from "@/lib/errors";
import { formatTime } from "@/lib/format";
import { QueryState } from "@/lib/ui";
import { fetchAlerts, monitoringKeys, REFRESH_MS, saveAlertRule } from "./performance/api";
import { formatValue } from "./performance/metricData";
import type { AlertEvent, AlertRule, AlertsOverview } from "./performance/types";

// This rule has no number to cross: it fires on the backups' own outcome.
const NO_THRESHOLD = new Set(["backup_failed"]);

function RuleState({ rule }: { rule: AlertRule }) {
  if (!rule.enabled) return <Badge color="gray" variant="light">Off</Badge>;
  return rule.firing ? (
    <Badge color="red" data-testid="rule-firing">
      Firing
    </Badge>
  ) : (
    <Badge color="teal" variant="light">
      OK
    </Badge>
  );
}

function AlertRuleForm({ rule }: { rule: AlertRule }) {
  const client = useQueryClient();
  const [threshold, setThreshold] = useState<string | number>(rule.threshold);
  const [enabled, setEnabled] = useState(rule.enabled);
  const save = useMutation({
    mutationFn: () => saveAlertRule(rule.key, { threshold: String(threshold), enabled }),
    onSuccess: (saved) => {
      client.setQueryData<AlertsOverview>(monitoringKeys.alerts, (overview) =>
        overview ? { ...overview, rules: overview.rules.map((each) => (each.key === saved.key ? saved : each)) } : overview,
      );
      notifications.show({ color: "teal", message: `${saved.title}: saved` });
    },
  });
  const changed = String(threshold) !== rule.threshold || enabled !== rule.enabled;
  return (
    <Fieldset legend={rule.title} data-rule={rule.key} data-firing={rule.firing} variant="filled">
      <Stack gap="xs">
        <Group justify="space-between">
          <Text size="sm">Last value: {formatValue(rule.last_value, rule.unit)}</Text>
          <RuleState rule={rule} />
        </Group>
        {NO_THRESHOLD.has(rule.key) ? (
          <Text size="sm" c="dimmed">
            Fires when the newest backup failed, or no backup succeeded in 26 hours.
          </Text>
        ) : (
          <NumberInput
            label={rule.unit ? `Threshold (${rule.unit})` : "Threshold"}
            value={threshold}
            onChange={setThreshold}
            decimalScale={2}
            error={fieldError(save.error, "threshold")}
          />
        )}
        <Group justify="space-between">
          <Switch label="Enabled" checked={enabled} onChange={(event) => setEnabled(event.currentTarget.checked)} error={fieldError(save.error, "enabled")} />
          <Button size="xs" onClick={() => save.mutate()} loading={save.isPending} disabled={!changed}>
            Save
          </Button>
        </Group>
        <ErrorAlert error={save.error} shownFields={["threshold", "enabled"]} title="Not saved" />
      </Stack>
    </Fieldset>
  );
}

function AlertEvents({ events, rules }: { events: AlertEvent[]; rules: AlertRule[] }) {
  if (!events.length) {
    return (
      <Text size="sm" c="dimmed">
        No alert has fired yet.
      </Text>
    );
  }
  const unit = (key: string) => rules.find((rule) => rule.key === key)?.unit ?? "";
  return (
    <Table.ScrollContainer minWidth={560}>
      <Table striped aria-label="Recent alerts" data-testid="alert-events">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Alert</Table.Th>
            <Table.Th>Value</Table.Th>
            <Table.Th>Threshold</Table.Th>
            <Table.Th>Fired</Table.Th>
            <Table.Th>Resolved</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {events.map((event) => (
            <Table.Tr key={event.id} data-event={event.id}>
              <Table.Td>{event.title}</Table.Td>
              <Table.Td>{formatValue(event.value, unit(event.rule))}</Table.Td>
              <Table.Td>{formatValue(event.threshold, unit(event.rule))}</Table.Td>
              <Table.Td>{formatTime(event.fired_at)}</Table.Td>
              <Table.Td>{event.resolved_at ? formatTime(event.resolved_at) : <Badge color="red">Firing</Badge>}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export function AlertRulesCard() {
  const alerts = useQuery({ queryKey: monitoringKeys.alerts, queryFn: fetchAlerts, refetchInterval: REFRESH_MS });
  return (
    <Card withBorder component="section" aria-labelledby="alerts-heading" data-testid="alert-rules">
      <Title order={2} size="h4" id="alerts-heading">
        Alerts
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        A rule fires when its value goes above its threshold; each time it fires is listed below, with when it resolved.
      </Text>
      <QueryState isLoading={alerts.isLoading} error={alerts.error}>
        {alerts.data && (
          <Stack>
            <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
              {alerts.data.rules.map((rule) => (
                // A new form when the saved values change, so it starts from them.
                <AlertRuleForm key={`${rule.key}:${rule.threshold}:${rule.enabled}`} rule={rule} />
              ))}
            </SimpleGrid>
            <Title order={3} size="h5">
              Recent alerts
            </Title>
            <AlertEvents events={alerts.data.events} rules={alerts.data.rules} />
          </Stack>
        )}
      </QueryState>
    </Card>
  );
}
