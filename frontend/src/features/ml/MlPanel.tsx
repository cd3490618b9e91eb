import { Divider, Stack, Text, Title } from "@mantine/core";
import { useState, type ReactNode } from "react";
import { useSearchParams } from "react-router";
import { QueryState } from "@/lib/ui";
import { useModels } from "./api";
import { CompareModels } from "./CompareModels";
import contrast from "./contrast.module.css";
import { JobDrawer } from "./JobDrawer";
import { JobsTable } from "./JobsTable";
import { ModelDrawer } from "./ModelDrawer";
import { ModelsTable } from "./ModelsTable";
import { TrainingForm } from "./TrainingForm";

function Section({ title, description, children }: { title: string; description: string; children: ReactNode }) {
  return (
    <Stack gap="xs">
      <Title order={3}>{title}</Title>
      <Text size="sm" c="dimmed">
        {description}
      </Text>
      {children}
    </Stack>
  );
}

/** /manage/ml: train models, follow the jobs, and choose the active model (admins). A job or a
 * model opens in a drawer kept in the address (?job=, ?model=), so it can be linked to. */
export function MlPanel() {
  const [params, setParams] = useSearchParams();
  const [page, setPage] = useState(1);
  const models = useModels();
  const open = (key: "job" | "model", id: string | null) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      next.delete("job");
      next.delete("model");
      if (id) next.set(key, id);
      return next;
    });
  const modelId = params.get("model");
  const shownModel = (models.data ?? []).find((m) => m.id === modelId) ?? null;

  return (
    <Stack gap="lg" className={contrast.page} data-testid="ml-panel">
      <Section title="Train a model" description="Trains on the strategy's buy candidates in daily candles: the last days are held out to measure it, then a walk-forward backtest runs the strategy with and without it.">
        <TrainingForm onStarted={() => setPage(1)} />
      </Section>
      <Divider />
      <Section title="Training jobs" description="Progress and log lines arrive live. A job opens with its full log, and can be cancelled while it runs.">
        <JobsTable page={page} onPage={setPage} onOpen={(id) => open("job", id)} />
      </Section>
      <Divider />
      <Section title="Models" description="One model per type is active: the strategy asks the active verdict classifier for the traders who opted in. A model opens with its scores, confusion matrix and backtest.">
        <QueryState isLoading={models.isLoading} error={models.error}>
          <ModelsTable models={models.data ?? []} onOpen={(id) => open("model", id)} />
        </QueryState>
      </Section>
      <Divider />
      <Section title="Compare two models" description="Every metric both have, side by side, with the difference.">
        <CompareModels models={models.data ?? []} />
      </Section>
      <JobDrawer id={params.get("job")} onClose={() => open("job", null)} onOpenModel={(id) => open("model", id)} />
      <ModelDrawer model={shownModel} onClose={() => open("model", null)} onOpenJob={(id) => open("job", id)} />
    </Stack>
  );
}
