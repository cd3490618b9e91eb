import { Accordion, Autocomplete, Badge, Button, Card, Group, Select, SimpleGrid, Stack, Switch, Text, TextInput, Textarea, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { api } from "@/api/client";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { fieldError } from "@/lib/errors";
import { strategyKeys } from "./api";
import { useUnsavedChangesGuard } from "./pageHooks";
import { isDirty, PARAM_GROUPS, PARAMS, patchFrom, TASK_LABELS, toDraft, type Draft } from "./paramFields";
import type { ParamKey, StrategySettings, TaskKey } from "./types";

const SOURCES = ["yfinance", "kotak_simulator", "csv"];
const SHOWN = ["enabled", "account", "universe", "market_data_source", "timezone", "params", "schedule"];

function ParamInput({ name, value, defaultValue, error, onChange }: { name: ParamKey; value: string | boolean; defaultValue: unknown; error?: string; onChange: (value: string | boolean) => void }) {
  const spec = PARAMS[name];
  const shownDefault = Array.isArray(defaultValue) ? JSON.stringify(defaultValue) : String(defaultValue);
  const description = `${spec.help} ${spec.unit ? `Unit: ${spec.unit}. ` : ""}Default ${shownDefault}.`;
  const props = { label: spec.label, description, error, "data-field": `params.${name}` };
  if (spec.kind === "bool") return <Switch {...props} checked={Boolean(value)} onChange={(e) => onChange(e.currentTarget.checked)} />;
  if (spec.kind === "tiers") return <Textarea {...props} value={String(value)} onChange={(e) => onChange(e.currentTarget.value)} autosize minRows={4} ff="monospace" />;
  return <TextInput {...props} value={String(value)} onChange={(e) => onChange(e.currentTarget.value)} inputMode={spec.kind === "int-list" ? "text" : "decimal"} />;
}

/** Every setting of the strategy; saved as one PATCH of what changed, errors shown at their fields. */
export function SettingsForm({ settings }: { settings: StrategySettings }) {
  const client = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => toDraft(settings));
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const [open, setOpen] = useState<string[]>([]);
  useEffect(() => setDraft(toDraft(settings)), [settings]);
  const dirty = isDirty(draft, settings);
  useUnsavedChangesGuard(dirty);

  const save = useMutation({
    mutationFn: (patch: Record<string, unknown>) => api<StrategySettings>("equities/strategy", { method: "PATCH", body: patch }),
    onSuccess: (data) => {
      setLocalErrors({});
      client.setQueryData(strategyKeys.settings, data);
      void client.invalidateQueries({ queryKey: strategyKeys.tasks });
      notifications.show({ color: "teal", message: "Strategy settings saved" });
    },
  });
  const error = (field: string) => localErrors[field] ?? fieldError(save.error, field);
  const groupsWithErrors = useMemo(
    () => PARAM_GROUPS.filter((group) => group.keys.some((key) => localErrors[`params.${key}`] ?? fieldError(save.error, `params.${key}`))).map((g) => g.title),
    [localErrors, save.error],
  );
  useEffect(() => {
    if (groupsWithErrors.length) setOpen((current) => Array.from(new Set([...current, ...groupsWithErrors])));
  }, [groupsWithErrors]);

  const submit = () => {
    const { patch, errors } = patchFrom(draft, settings);
    setLocalErrors(errors);
    save.reset();
    if (Object.keys(errors).length || !Object.keys(patch).length) return;
    save.mutate(patch);
  };
  const set = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));
  const invalidCount = Object.keys(localErrors).length + Object.keys((save.error as { fieldErrors?: object } | null)?.fieldErrors ?? {}).length;

  return (
    <Stack component="form" aria-label="Strategy settings" onSubmit={(e) => (e.preventDefault(), submit())}>
      <Group justify="space-between">
        <Title order={3}>Settings</Title>
        <Group gap="xs">
          {dirty && (
            <Badge color="orange" variant="light" data-testid="unsaved">
              Unsaved changes
            </Badge>
          )}
          <Button variant="default" disabled={!dirty} onClick={() => (setDraft(toDraft(settings)), setLocalErrors({}), save.reset())}>
            Discard changes
          </Button>
          <Button type="submit" loading={save.isPending}>
            Save
          </Button>
        </Group>
      </Group>
      {invalidCount > 0 && (
        <Text c="red" size="sm" role="alert" data-testid="form-errors">
          Not saved: {invalidCount === 1 ? "one field needs" : `${invalidCount} fields need`} a change (marked below).
        </Text>
      )}
      <ErrorAlert error={save.error} shownFields={SHOWN} title="Not saved" />
      <Card withBorder>
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Switch
            label="Strategy on"
            description="Its seven tasks run on NSE trading days while this is on and your trading service runs."
            checked={draft.enabled}
            onChange={(e) => set({ enabled: e.currentTarget.checked })}
            error={error("enabled")}
          />
          <Select
            label="Broker account"
            description="The equities account that buys and sells (Kotak Neo, Kotak simulator or paper NSE)."
            placeholder={settings.accounts.length ? "Choose an account" : "Add an NSE account on the Exchange accounts page"}
            data={settings.accounts.map((a) => ({ value: a.id, label: `${a.exchange} · ${a.label}` }))}
            value={draft.account || null}
            onChange={(value) => set({ account: value ?? "" })}
            clearable
            error={error("account")}
          />
          <Textarea
            label="Universe"
            description="The NSE symbols the 16:00 analysis scans, separated by commas, spaces or lines (RELIANCE, TCS …)."
            value={draft.universe}
            onChange={(e) => set({ universe: e.currentTarget.value })}
            autosize
            minRows={3}
            error={error("universe")}
          />
          <Stack gap="sm">
            <Autocomplete
              label="Candle source"
              description={`Where daily candles come from; empty: the account's own. Now: ${settings.candle_source}.`}
              data={SOURCES}
              value={draft.market_data_source}
              onChange={(value) => set({ market_data_source: value })}
              error={error("market_data_source")}
            />
            <TextInput label="Time zone" description="Of the schedule below." value={draft.timezone} onChange={(e) => set({ timezone: e.currentTarget.value })} error={error("timezone")} />
          </Stack>
        </SimpleGrid>
      </Card>
      <Card withBorder>
        <Title order={4}>Schedule</Title>
        <Text size="sm" c="dimmed" mb="sm">
          Cron, five fields (minute hour day-of-month month day-of-week), in {settings.timezone}. Each run also checks that the day is an NSE trading day.
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
          {(Object.keys(TASK_LABELS) as TaskKey[]).map((task) => (
            <TextInput
              key={task}
              label={TASK_LABELS[task]}
              description={`Default ${settings.defaults.schedule[task]}`}
              value={draft.schedule[task] ?? ""}
              onChange={(e) => {
                const value = e.currentTarget.value;
                setDraft((d) => ({ ...d, schedule: { ...d.schedule, [task]: value } }));
              }}
              error={error(`schedule.${task}`)}
              ff="monospace"
            />
          ))}
        </SimpleGrid>
      </Card>
      <Title order={4}>Rules</Title>
      <Accordion multiple variant="separated" value={open} onChange={setOpen}>
        {PARAM_GROUPS.map((group) => (
          <Accordion.Item key={group.title} value={group.title}>
            <Accordion.Control>
              <Group gap="xs">
                <Text fw={600}>{group.title}</Text>
                <Text size="sm" c="dimmed">
                  {group.description}
                </Text>
                {groupsWithErrors.includes(group.title) && (
                  <Badge color="red" variant="light">
                    check
                  </Badge>
                )}
              </Group>
            </Accordion.Control>
            <Accordion.Panel>
              <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
                {group.keys.map((key) => (
                  <ParamInput
                    key={key}
                    name={key}
                    value={draft.params[key]}
                    defaultValue={settings.defaults.params[key]}
                    error={error(`params.${key}`)}
                    onChange={(value) => setDraft((d) => ({ ...d, params: { ...d.params, [key]: value } }))}
                  />
                ))}
              </SimpleGrid>
            </Accordion.Panel>
          </Accordion.Item>
        ))}
      </Accordion>
    </Stack>
  );
}
