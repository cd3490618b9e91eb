import { Card, Fieldset, Group, Select, SimpleGrid, Stack, Switch, Text, TextInput, Title } from "@mantine/core";
import { useMemo } from "react";
import { CHANNEL_LABELS, CHANNELS, MIN_LEVEL_OPTIONS } from "./levels";
import type { Draft } from "./settingsDraft";
import type { NotificationLevel } from "./types";

interface Props {
  draft: Draft;
  set: (change: Partial<Draft>) => void;
  error: (field: string) => string | undefined;
}

/** The browser's IANA zones, with the saved one and UTC even where the browser lists neither. */
export function timeZones(current: string): string[] {
  let zones: string[] = [];
  try {
    zones = Intl.supportedValuesOf("timeZone");
  } catch {
    zones = [];
  }
  return Array.from(new Set(["UTC", ...(current ? [current] : []), ...zones])).sort();
}

function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return "";
  }
}

/** Minimum level per channel, quiet hours in the user's time zone, and the daily summary. */
export function DeliveryRulesCard({ draft, set, error }: Props) {
  const zones = useMemo(() => timeZones(draft.timezone), [draft.timezone]);
  const here = browserZone();
  return (
    <Card withBorder>
      <Title order={3} mb="sm">
        When they reach you
      </Title>
      <Stack gap="lg">
        <Fieldset legend="Minimum level per channel" variant="unstyled">
          <Text size="sm" c="dimmed" mb="xs">
            Less important notifications stay off that channel (they remain on the notifications page).
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            {CHANNELS.map((channel) => (
              <Select
                key={channel}
                label={CHANNEL_LABELS[channel]}
                aria-label={`Minimum level: ${CHANNEL_LABELS[channel]}`}
                data={MIN_LEVEL_OPTIONS}
                value={draft.min_level[channel]}
                onChange={(value) => value && set({ min_level: { ...draft.min_level, [channel]: value as NotificationLevel } })}
                allowDeselect={false}
                error={error(`min_level.${channel}`) ?? (channel === "in_app" ? error("min_level") : undefined)}
              />
            ))}
          </SimpleGrid>
        </Fieldset>

        <Fieldset legend="Quiet hours" variant="unstyled">
          <Stack gap="xs">
            <Switch
              label="Hold e-mail and Telegram during quiet hours"
              description="What arrives in quiet hours waits and is sent when they end. In-app notifications are never held."
              checked={draft.quiet_enabled}
              onChange={(e) => set({ quiet_enabled: e.currentTarget.checked })}
            />
            <Group align="flex-start" wrap="wrap">
              <TextInput
                type="time"
                label="From"
                value={draft.quiet_hours_start}
                onChange={(e) => set({ quiet_hours_start: e.currentTarget.value })}
                disabled={!draft.quiet_enabled}
                error={error("quiet_hours_start")}
                w={140}
              />
              <TextInput
                type="time"
                label="Until"
                value={draft.quiet_hours_end}
                onChange={(e) => set({ quiet_hours_end: e.currentTarget.value })}
                disabled={!draft.quiet_enabled}
                error={error("quiet_hours_end")}
                w={140}
              />
              <Select
                label="Time zone"
                description={here && here !== draft.timezone ? `Your browser is in ${here}.` : undefined}
                data={zones}
                value={draft.timezone || null}
                onChange={(value) => set({ timezone: value ?? "" })}
                searchable
                allowDeselect={false}
                error={error("timezone")}
                w={260}
              />
            </Group>
            <Switch
              label="Critical still comes through"
              description="A critical notification (the daily loss breaker, a failing exchange key) is sent at once, even in quiet hours."
              checked={draft.critical_through_quiet}
              onChange={(e) => set({ critical_through_quiet: e.currentTarget.checked })}
              error={error("critical_through_quiet")}
            />
          </Stack>
        </Fieldset>

        <Fieldset legend="Daily summary" variant="unstyled">
          <Group align="flex-end" wrap="wrap">
            <Switch
              label="Send a summary of the day"
              description="One e-mail or Telegram message listing the day's notifications, at this time in your time zone."
              checked={draft.summary_enabled}
              onChange={(e) => set({ summary_enabled: e.currentTarget.checked })}
              maw={420}
            />
            <TextInput
              type="time"
              label="Summary time"
              value={draft.daily_summary_time}
              onChange={(e) => set({ daily_summary_time: e.currentTarget.value })}
              disabled={!draft.summary_enabled}
              error={error("daily_summary_time")}
              w={140}
            />
          </Group>
        </Fieldset>
      </Stack>
    </Card>
  );
}
