import { Badge, Button, Card, Group, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Fragment, useEffect, useState } from "react";
import { api } from "@/api/client";
import { keys } from "@/api/keys";
import type { PresetList, TradingConfig, TradingConfigValues } from "@/api/types";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { fieldError } from "@/lib/errors";
import { formatTime } from "@/lib/format";
import { ConfirmButton, PageHeader, QueryState } from "@/lib/ui";
import { FieldInput } from "./FieldInput";
import { ML_FIELDS, patchFrom, SECTIONS, toDraft, type Draft } from "./fields";
import { MlFilterCard } from "./MlFilterCard";

export default function TradingConfigPage() {
  const client = useQueryClient();
  const config = useQuery({ queryKey: keys.tradingConfig, queryFn: () => api<TradingConfig>("trading-config") });
  const presets = useQuery({ queryKey: keys.presets, queryFn: () => api<PresetList>("trading-config/presets") });
  const [draft, setDraft] = useState<Draft>({});
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});

  useEffect(() => {
    if (config.data) setDraft(toDraft(config.data.config));
  }, [config.data]);

  const accept = (data: TradingConfig, message: string) => {
    client.setQueryData(keys.tradingConfig, data);
    notifications.show({ color: "teal", message });
  };
  const save = useMutation({
    mutationFn: (patch: Partial<TradingConfigValues>) => api<TradingConfig>("trading-config", { method: "PATCH", body: patch }),
    onSuccess: (data) => accept(data, "Trading config saved"),
  });
  const reset = useMutation({ mutationFn: () => api<TradingConfig>("trading-config/reset", { method: "POST" }), onSuccess: (data) => accept(data, "Back to the defaults") });
  const apply = useMutation({
    mutationFn: (name: string) => api<TradingConfig>(`trading-config/presets/${name}/apply`, { method: "POST" }),
    onSuccess: (data) => accept(data, `Preset applied`),
  });

  const submit = () => {
    if (!config.data) return;
    const { patch, errors } = patchFrom(draft, config.data.config);
    setLocalErrors(errors);
    if (Object.keys(errors).length || !Object.keys(patch).length) return;
    save.mutate(patch);
  };
  const differs = new Set(config.data?.differs_from_default ?? []);
  const error = save.error;
  const shown = [...SECTIONS.flatMap((s) => s.fields.map((f) => f.key)), ...ML_FIELDS.map((f) => f.key)];
  const defaults = (config.data?.defaults ?? {}) as Record<string, unknown>;

  return (
    <QueryState isLoading={config.isLoading} error={config.error}>
      {config.data && (
        <Stack>
          <PageHeader
            title="Trading config"
            description={`Your execution, pool, risk, scanner and ML settings. ${config.data.preset ? `Matches the ${config.data.preset} preset. ` : ""}Saved ${formatTime(config.data.updated_at)}.`}
          >
            <ConfirmButton title="Reset every setting?" message="All settings go back to their defaults." confirmLabel="Reset" onConfirm={() => reset.mutateAsync().catch(() => undefined)} loading={reset.isPending}>
              Reset to defaults
            </ConfirmButton>
            <Button onClick={submit} loading={save.isPending}>
              Save
            </Button>
          </PageHeader>
          <Card withBorder>
            <Title order={4} mb="xs">
              Presets
            </Title>
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              {(presets.data?.presets ?? []).map((preset) => (
                <Card key={preset.name} withBorder padding="sm">
                  <Group justify="space-between" mb={4}>
                    <Text fw={600}>{preset.label}</Text>
                    {config.data?.preset === preset.name && <Badge>current</Badge>}
                  </Group>
                  <Text size="sm" c="dimmed" mb="xs">
                    {preset.description}
                  </Text>
                  <Text size="xs" c="dimmed" mb="xs">
                    Changes: {Object.keys(preset.changes_from_default).join(", ") || "none"}
                  </Text>
                  <ConfirmButton variant="light" color="blue" size="xs" title={`Apply ${preset.label}?`} message={`Its values replace yours; kept as they are: ${presets.data?.kept_when_applied.join(", ") || "nothing"}.`} confirmLabel="Apply" onConfirm={() => apply.mutateAsync(preset.name).catch(() => undefined)}>
                    Apply
                  </ConfirmButton>
                </Card>
              ))}
            </SimpleGrid>
            <ErrorAlert error={apply.error ?? reset.error} />
          </Card>
          <ErrorAlert error={error} shownFields={shown} title="Not saved" />
          {SECTIONS.map((section) => (
            <Fragment key={section.title}>
              <Card withBorder>
                <Title order={4} mb="sm">
                  {section.title}
                </Title>
                <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
                  {section.fields.map((field) => (
                    <FieldInput
                      key={field.key}
                      field={field}
                      value={draft[field.key]}
                      onChange={(value) => setDraft((d) => ({ ...d, [field.key]: value }))}
                      error={localErrors[field.key] ?? fieldError(error, field.key)}
                      differs={differs.has(field.key)}
                      defaultValue={defaults[field.key]}
                    />
                  ))}
                </SimpleGrid>
              </Card>
              {/* The ML filter follows the scanner whose buys it filters. */}
              {section.title === "Scanner" && (
                <MlFilterCard
                  draft={draft}
                  onChange={(key, value) => setDraft((d) => ({ ...d, [key]: value }))}
                  errorOf={(key) => localErrors[key] ?? fieldError(error, key)}
                  differs={differs}
                  defaults={defaults}
                />
              )}
            </Fragment>
          ))}
        </Stack>
      )}
    </QueryState>
  );
}
