import { Anchor, Badge, Button, Group, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { hasRole, useAuth } from "@/auth/AuthProvider";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { fieldError } from "@/lib/errors";
import { PageHeader, QueryState } from "@/lib/ui";
import { usePreferences, useSavePreferences } from "./api";
import { ChannelsCard } from "./ChannelsCard";
import { DeliveryRulesCard } from "./DeliveryRulesCard";
import styles from "./notifications.module.css";
import { FORM_FIELDS, inputFrom, isDirty, rebase, toDraft, type Draft } from "./settingsDraft";
import { TypeSwitchesTable } from "./TypeSwitchesTable";
import type { Channel, Preferences } from "./types";

function PreferencesForm({ prefs }: { prefs: Preferences }) {
  const { user } = useAuth();
  const [draft, setDraft] = useState<Draft>(() => toDraft(prefs));
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const save = useSavePreferences();
  const seen = useRef(prefs);
  // A new read of the preferences (the Telegram link landed) moves what the user has not touched.
  useEffect(() => {
    if (seen.current === prefs) return;
    const before = toDraft(seen.current);
    seen.current = prefs;
    setDraft((current) => rebase(current, before, toDraft(prefs)));
  }, [prefs]);

  const dirty = isDirty(draft, prefs);
  const set = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));
  const error = (field: string) => localErrors[field] ?? fieldError(save.error, field);
  const serverErrors = Object.keys((save.error as { fieldErrors?: object } | null)?.fieldErrors ?? {}).length;
  const invalid = Object.keys(localErrors).length + serverErrors;

  const submit = () => {
    const { input, errors } = inputFrom(draft);
    setLocalErrors(errors);
    save.reset();
    if (Object.keys(errors).length) return;
    save.mutate(input, {
      onSuccess: (saved) => {
        seen.current = { ...saved, catalogue: prefs.catalogue };
        setDraft(toDraft(seen.current));
        notifications.show({ color: "teal", message: "Notification settings saved" });
      },
    });
  };
  const setType = (type: string, channel: Channel, on: boolean) =>
    setDraft((d) => ({ ...d, types: { ...d.types, [type]: { ...(d.types[type] ?? { in_app: false, email: false, telegram: false }), [channel]: on } } }));

  return (
    // noValidate: the e-mail field's mistakes are shown at the field, as the server's are.
    <form aria-label="Notification settings" noValidate onSubmit={(e) => (e.preventDefault(), submit())}>
      <Stack>
        <Group justify="flex-end" gap="xs">
          {dirty && (
            <Badge color="orange" variant="light" data-testid="unsaved">
              Unsaved changes
            </Badge>
          )}
          <Button variant="default" disabled={!dirty} onClick={() => (setDraft(toDraft(prefs)), setLocalErrors({}), save.reset())}>
            Discard changes
          </Button>
          <Button type="submit" loading={save.isPending}>
            Save
          </Button>
        </Group>
        {invalid > 0 && (
          <Text c="red" size="sm" role="alert" data-testid="form-errors">
            Not saved: {invalid === 1 ? "one field needs" : `${invalid} fields need`} a change (marked below).
          </Text>
        )}
        <ErrorAlert error={save.error} shownFields={FORM_FIELDS} title="Not saved" />
        <ChannelsCard draft={draft} set={set} error={error} chatId={prefs.telegram_chat_id} unsaved={dirty} />
        <TypeSwitchesTable
          catalogue={prefs.catalogue ?? []}
          types={draft.types}
          isAdmin={hasRole(user, "admin")}
          saveError={save.error}
          onChange={setType}
          channelOff={{ email: !draft.email_enabled, telegram: !draft.telegram_enabled }}
        />
        <DeliveryRulesCard draft={draft} set={set} error={error} />
        <Group justify="flex-end">
          <Button type="submit" loading={save.isPending}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** /notifications/settings: channels, types per channel, levels, quiet hours, daily summary. */
export default function NotificationSettingsPage() {
  const prefs = usePreferences();
  return (
    <Stack className={styles.page}>
      <PageHeader
        title="Notification settings"
        description={
          <>
            Where your notifications go and which ones.{" "}
            <Anchor component={Link} to="/notifications" size="sm" underline="always">
              Back to the notifications
            </Anchor>
          </>
        }
      />
      <QueryState isLoading={prefs.isLoading} error={prefs.error}>
        {prefs.data && <PreferencesForm prefs={prefs.data} />}
      </QueryState>
    </Stack>
  );
}
