import { Anchor, Badge, Group, Stack, Table, Text } from "@mantine/core";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { formatTime } from "@/lib/format";
import { ConfirmButton } from "@/lib/ui";
import { ActivateModelButton } from "./ActivateModelButton";
import { refusalTitle, useRollback } from "./modelActions";
import type { MLModel } from "./types";
import { algorithmName, MODEL_TYPES, modelTypeName, percent, score, share } from "./words";

function Quality({ model }: { model: MLModel }) {
  const m = model.metrics;
  if (model.model_type === "price_regressor") {
    return (
      <Text size="sm">
        MAE {score(m.mae, 2)} · R² {score(m.r2, 2)}
      </Text>
    );
  }
  return (
    <Text size="sm">
      {share(m.accuracy)} · F1 {score(m.macro_f1, 2)}
    </Text>
  );
}

function BacktestReturns({ model }: { model: MLModel }) {
  const runs = model.metrics.backtest?.runs;
  if (!runs?.rules) return <Text size="xs" c="dimmed">no backtest</Text>;
  return (
    <Text size="sm">
      {percent(runs.rules.return_pct)} → {percent(runs.filter?.return_pct)}
    </Text>
  );
}

/** Roll back one type: the model active before the current one becomes active again. */
function RollbackButtons({ models }: { models: MLModel[] }) {
  const rollback = useRollback();
  const types = MODEL_TYPES.filter((type) => models.some((m) => m.model_type === type.value && m.is_active));
  if (!types.length) return null;
  return (
    <Stack gap="xs">
      <Group gap="xs">
        {types.map((type) => {
          const current = models.find((m) => m.model_type === type.value && m.is_active)!;
          return (
            <ConfirmButton
              key={type.value}
              color="orange"
              variant="default"
              size="xs"
              title={`Roll back the ${type.label.toLowerCase()}?`}
              message={`v${current.version} is deactivated and the ${type.label.toLowerCase()} that was active before it becomes active again.`}
              confirmLabel="Roll back"
              onConfirm={() => rollback.mutateAsync(type.value).catch(() => undefined)}
              loading={rollback.isPending && rollback.variables === type.value}
            >
              Roll back {type.label.toLowerCase()}
            </ConfirmButton>
          );
        })}
      </Group>
      <ErrorAlert error={rollback.error} title={refusalTitle(rollback.error, "Not rolled back")} />
    </Stack>
  );
}

/** The registry: every model with its figures; activate one, or roll a type back. */
export function ModelsTable({ models, onOpen }: { models: MLModel[]; onOpen: (id: string) => void }) {
  if (!models.length) {
    return (
      <Text size="sm" c="dimmed">
        No model yet: a job that succeeds registers one.
      </Text>
    );
  }
  return (
    <Stack>
      <RollbackButtons models={models} />
      <Table.ScrollContainer minWidth={1000}>
        <Table verticalSpacing="xs" striped data-testid="ml-models" aria-label="Registered models">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Model</Table.Th>
              <Table.Th scope="col">Algorithm</Table.Th>
              <Table.Th scope="col">Accuracy · macro F1 (or MAE · R²)</Table.Th>
              <Table.Th scope="col">Backtest return: rules → with the filter</Table.Th>
              <Table.Th scope="col">Active</Table.Th>
              <Table.Th scope="col">Created</Table.Th>
              <Table.Th scope="col">Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {models.map((model) => {
              const name = `${modelTypeName(model.model_type)} v${model.version}`;
              return (
                <Table.Tr key={model.id} data-model={model.id} data-version={model.version}>
                  <Table.Th scope="row" fw={500}>
                    <Anchor component="button" type="button" size="sm" ta="left" onClick={() => onOpen(model.id)} aria-label={`Open ${name}`}>
                      {name}
                    </Anchor>
                  </Table.Th>
                  <Table.Td>{algorithmName(model.algorithm)}</Table.Td>
                  <Table.Td>
                    <Quality model={model} />
                  </Table.Td>
                  <Table.Td>
                    <BacktestReturns model={model} />
                  </Table.Td>
                  <Table.Td>
                    {model.is_active ? (
                      <Stack gap={2}>
                        <Badge color="teal" data-testid="active-badge">
                          Active
                        </Badge>
                        <Text size="xs" c="dimmed">
                          {model.activated_by ?? "—"}, {formatTime(model.activated_at)}
                        </Text>
                      </Stack>
                    ) : model.activated_at ? (
                      <Text size="xs" c="dimmed">
                        was active {formatTime(model.activated_at)}
                      </Text>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">{formatTime(model.created_at)}</Text>
                    <Text size="xs" c="dimmed">
                      {model.created_by ?? "a schedule"}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {!model.is_active && <ActivateModelButton model={model} />}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
