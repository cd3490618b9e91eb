import { Badge, Card, Switch, Table, Text, Title } from "@mantine/core";
import { Fragment } from "react";
import { CHANNEL_LABELS, CHANNELS, LEVEL_LABELS } from "./levels";
import { groupCatalogue } from "./notificationView";
import { errorsUnder, type Draft } from "./settingsDraft";
import type { CatalogueEntry, Channel, ChannelSwitches } from "./types";

interface Props {
  catalogue: CatalogueEntry[];
  types: Draft["types"];
  isAdmin: boolean;
  /** The save's error: messages for "types.<type>" are shown on the type's row. */
  saveError: unknown;
  onChange: (type: string, channel: Channel, on: boolean) => void;
  /** Channels that are off: their column is shown, greyed, with a hint. */
  channelOff: Partial<Record<Channel, boolean>>;
}

const OFF: ChannelSwitches = { in_app: false, email: false, telegram: false };

/** Which types go through which channel, grouped by category; admin-only types for admins. */
export function TypeSwitchesTable({ catalogue, types, isAdmin, saveError, onChange, channelOff }: Props) {
  const groups = groupCatalogue(catalogue, isAdmin);
  const visible = new Set(groups.flatMap((group) => group.entries.map((entry) => entry.type)));
  // Errors the rows cannot show: about the whole map, or a type not in the table (a typo, a
  // type this build does not know).
  const general = Object.entries((saveError as { fieldErrors?: Record<string, string[]> } | null)?.fieldErrors ?? {})
    .filter(([field]) => field === "types" || (field.startsWith("types.") && !visible.has(field.split(".")[1] ?? "")))
    .map(([field, messages]) => (field === "types" ? messages.join(" ") : `${field.slice(6)}: ${messages.join(" ")}`));

  return (
    <Card withBorder>
      <Title order={3}>What reaches you where</Title>
      <Text size="sm" c="dimmed" mb="sm">
        Each type of notification by channel. A notification also needs its channel on and its level at or above the channel's minimum
        level (below).
      </Text>
      {general.length > 0 && (
        <Text size="sm" c="red" role="alert" mb="xs" data-testid="types-errors">
          {general.join(" ")}
        </Text>
      )}
      <Table.ScrollContainer minWidth={560}>
        <Table verticalSpacing="xs" aria-label="Notification types by channel">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Type</Table.Th>
              {CHANNELS.map((channel) => (
                <Table.Th key={channel} ta="center">
                  {CHANNEL_LABELS[channel]}
                  {channelOff[channel] && (
                    <Text size="xs" c="dimmed" fw={400}>
                      (channel off)
                    </Text>
                  )}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {groups.map((group) => (
              <Fragment key={group.label}>
                <Table.Tr>
                  <Table.Th colSpan={CHANNELS.length + 1} scope="colgroup" bg="var(--mantine-color-default-hover)">
                    {group.label}
                  </Table.Th>
                </Table.Tr>
                {group.entries.map((entry) => {
                  const switches = types[entry.type] ?? OFF;
                  const errors = errorsUnder(saveError, `types.${entry.type}`);
                  return (
                    <Table.Tr key={entry.type} data-type={entry.type}>
                      <Table.Th scope="row" fw={400}>
                        <Text size="sm" fw={500}>
                          {entry.label}{" "}
                          {entry.admin_only && (
                            <Badge size="xs" variant="light" color="gray">
                              admins
                            </Badge>
                          )}
                        </Text>
                        <Text size="xs" c="dimmed">
                          Default level: {LEVEL_LABELS[entry.default_level].toLowerCase()}
                        </Text>
                        {errors.length > 0 && (
                          <Text size="xs" c="red" role="alert">
                            {errors.join(" ")}
                          </Text>
                        )}
                      </Table.Th>
                      {CHANNELS.map((channel) => (
                        <Table.Td key={channel} ta="center">
                          <Switch
                            display="inline-block"
                            aria-label={`${entry.label}: ${CHANNEL_LABELS[channel]}`}
                            checked={switches[channel]}
                            onChange={(e) => onChange(entry.type, channel, e.currentTarget.checked)}
                            error={errors.length > 0}
                          />
                        </Table.Td>
                      ))}
                    </Table.Tr>
                  );
                })}
              </Fragment>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Card>
  );
}
