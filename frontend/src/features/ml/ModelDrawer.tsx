import { Alert, Anchor, Badge, Code, Drawer, Group, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { formatTime } from "@/lib/format";
import { ActivateModelButton } from "./ActivateModelButton";
import { BacktestSection } from "./BacktestSection";
import { ClassScoresTable } from "./ClassScoresTable";
import { ConfusionMatrix } from "./ConfusionMatrix";
import type { MLModel } from "./types";
import { algorithmName, modelTypeName, score, share } from "./words";
import contrast from "./contrast.module.css";

function Figure({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600}>{value}</Text>
    </div>
  );
}

function Headline({ model }: { model: MLModel }) {
  const m = model.metrics;
  const samples = `${m.samples?.train ?? "—"} / ${m.samples?.test ?? "—"}`;
  return model.model_type === "price_regressor" ? (
    <SimpleGrid cols={{ base: 2, sm: 4 }}>
      <Figure label="MAE (points)" value={score(m.mae, 2)} />
      <Figure label="RMSE (points)" value={score(m.rmse, 2)} />
      <Figure label="R²" value={score(m.r2, 3)} />
      <Figure label="Samples train / test" value={samples} />
    </SimpleGrid>
  ) : (
    <SimpleGrid cols={{ base: 2, sm: 4 }}>
      <Figure label="Accuracy" value={share(m.accuracy)} />
      <Figure label="Macro F1" value={score(m.macro_f1)} />
      <Figure label="Weighted F1" value={score(m.weighted_f1)} />
      <Figure label="Samples train / test" value={samples} />
    </SimpleGrid>
  );
}

/** One model: its figures on the test days, per class and as a confusion matrix, and its backtest. */
export function ModelDrawer({ model, onClose, onOpenJob }: { model: MLModel | null; onClose: () => void; onOpenJob: (id: string) => void }) {
  return (
    <Drawer classNames={{ content: contrast.page }} closeButtonProps={{ "aria-label": "Close" }} opened={Boolean(model)} onClose={onClose} position="right" size="xl" title={model ? `${modelTypeName(model.model_type)} v${model.version}` : "Model"}>
      {model && (
        <Stack data-testid="model-detail">
          <Group gap="xs">
            <Badge variant="light">{algorithmName(model.algorithm)}</Badge>
            {model.is_active ? <Badge color="teal">Active</Badge> : <ActivateModelButton model={model} />}
            <Text size="sm" c="dimmed">
              Created {formatTime(model.created_at)} by {model.created_by ?? "a schedule"} ·{" "}
              <Anchor component="button" type="button" size="sm" onClick={() => onOpenJob(model.job)}>
                its training job
              </Anchor>
            </Text>
          </Group>
          <Text size="sm" c="dimmed">
            Measured on the days from {model.metrics.test_from ?? "—"} on, which the model never saw in training.
          </Text>
          <Headline model={model} />
          {model.metrics.per_class && (
            <>
              <Title order={3}>Per class</Title>
              <ClassScoresTable metrics={model.metrics} />
            </>
          )}
          {model.metrics.confusion_matrix && (
            <>
              <Title order={3}>Confusion matrix</Title>
              <ConfusionMatrix matrix={model.metrics.confusion_matrix} />
            </>
          )}
          <Title order={3}>Walk-forward backtest</Title>
          {model.metrics.backtest ? (
            <BacktestSection backtest={model.metrics.backtest} />
          ) : (
            <Alert color="gray" variant="light">
              This model was trained before backtests were recorded: train it again to see how the strategy does with it.
            </Alert>
          )}
          <Text size="xs" c="dimmed">
            {model.features.length} features, schema v{model.schema_version}. Artifact SHA-256 <Code>{model.artifact_sha256.slice(0, 16)}…</Code>
          </Text>
        </Stack>
      )}
    </Drawer>
  );
}
