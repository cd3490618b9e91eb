import { Card, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { ActiveModelCard } from "@/features/ml/ActiveModelCard";
import { useActiveModels } from "@/features/ml/api";
import contrast from "@/features/ml/contrast.module.css";
import { algorithmName } from "@/features/ml/words";
import { formatTime } from "@/lib/format";
import { FieldInput } from "./FieldInput";
import { ML_FIELDS, type ConfigKey, type Draft } from "./fields";

/** The ML opt-in: whether the strategy's buys go through the model, which one and how; next to
 * it, the active model's figures. */
export function MlFilterCard({ draft, onChange, errorOf, differs, defaults }: {
  draft: Draft;
  onChange: (key: ConfigKey, value: string | boolean) => void;
  errorOf: (key: ConfigKey) => string | undefined;
  differs: Set<string>;
  defaults: Record<string, unknown>;
}) {
  const active = useActiveModels();
  const versions = (active.data?.versions ?? []).map((v) => ({
    value: String(v.version),
    label: `v${v.version} · ${algorithmName(v.algorithm)} · ${formatTime(v.created_at)}${v.is_active ? " (active)" : ""}`,
  }));
  const pinned = draft.ml_model_version ? `v${draft.ml_model_version}` : null;
  return (
    <Card withBorder data-testid="ml-filter" className={contrast.page}>
      <Title order={4} mb={4}>
        ML filter
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        The NSE strategy can ask a verdict model about each buy its rules find. {pinned ? `You pinned ${pinned}; the card shows the model the admins activated.` : ""}
      </Text>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Stack>
          {ML_FIELDS.map((field) => (
            <FieldInput
              key={field.key}
              field={field}
              value={draft[field.key]}
              onChange={(value) => onChange(field.key, value)}
              error={errorOf(field.key)}
              differs={differs.has(field.key)}
              defaultValue={defaults[field.key]}
              choices={field.kind === "int?" ? versions : undefined}
            />
          ))}
        </Stack>
        <ActiveModelCard />
      </SimpleGrid>
    </Card>
  );
}
