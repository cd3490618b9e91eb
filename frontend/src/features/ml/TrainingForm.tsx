import { Button, Group, MultiSelect, NumberInput, Select, SimpleGrid, Stack, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { api } from "@/api/client";
import { keys } from "@/api/keys";
import type { Page } from "@/api/types";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { QueryState } from "@/lib/ui";
import { JOBS_PAGE_SIZE, useDailySeries } from "./api";
import { SampleHistoryPrompt } from "./SampleHistoryPrompt";
import { errorAt, jobBody, symbolsBySource, TRAINING_DEFAULTS, TRAINING_FIELDS, type TrainingFormValues } from "./trainingForm";
import type { TrainingJob, TrainingJobDetail, TrainingJobStart } from "./types";
import { ALGORITHMS, MODEL_TYPES, modelTypeName } from "./words";

/** Starts a training job on daily series of one data source; the server's errors show at their fields. */
export function TrainingForm({ onStarted }: { onStarted: (job: TrainingJob) => void }) {
  const client = useQueryClient();
  const series = useDailySeries();
  const [values, setValues] = useState<TrainingFormValues>(TRAINING_DEFAULTS);
  const set = (change: Partial<TrainingFormValues>) => setValues((v) => ({ ...v, ...change }));
  const sources = useMemo(() => symbolsBySource(series.data ?? []), [series.data]);
  const sourceNames = Object.keys(sources);

  // The first source once the series arrive; symbols stay within the chosen source.
  useEffect(() => {
    if (sourceNames.length && !sourceNames.includes(values.data_source)) set({ data_source: sourceNames[0]!, symbols: [] });
  }, [sourceNames, values.data_source]);

  const start = useMutation({
    mutationFn: (body: TrainingJobStart) => api<TrainingJobDetail>("ml/jobs", { method: "POST", body }),
    onSuccess: (job) => {
      // The row shows at once, so the job's live events find it.
      client.setQueryData<Page<TrainingJob>>(keys.mlJobsPage(1), (page) =>
        page ? { ...page, count: page.count + 1, results: [job, ...page.results.filter((j) => j.id !== job.id)].slice(0, JOBS_PAGE_SIZE) } : page,
      );
      void client.invalidateQueries({ queryKey: keys.mlJobs });
      notifications.show({ color: "teal", message: `Training started: ${modelTypeName(job.model_type)} on ${job.symbols.join(", ")}` });
      onStarted(job);
    },
  });
  const error = (field: string) => errorAt(start.error, field);

  return (
    <QueryState isLoading={series.isLoading} error={series.error}>
      {!sourceNames.length ? (
        <SampleHistoryPrompt onLoaded={(result) => set({ data_source: result.source, symbols: [] })} />
      ) : (
        <Stack component="form" aria-label="Train a model" onSubmit={(e) => (e.preventDefault(), start.mutate(jobBody(values)))}>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
            <Select label="Model type" data={MODEL_TYPES} value={values.model_type} onChange={(v) => v && set({ model_type: v as TrainingFormValues["model_type"] })} allowDeselect={false} error={error("model_type")} description="Verdicts (avoid … strong buy) or the trade's return" />
            <Select label="Algorithm" data={ALGORITHMS} value={values.algorithm} onChange={(v) => v && set({ algorithm: v as TrainingFormValues["algorithm"] })} allowDeselect={false} error={error("algorithm")} description="scikit-learn's random forest or XGBoost" />
            <Select
              label="Data source"
              data={sourceNames.map((source) => ({ value: source, label: `${source} (${sources[source]!.length} daily series)` }))}
              value={values.data_source || null}
              onChange={(v) => v && set({ data_source: v, symbols: [] })}
              allowDeselect={false}
              error={error("data_source")}
              description="Where the daily candles come from"
            />
            <MultiSelect
              label="Symbols"
              data={sources[values.data_source] ?? []}
              value={values.symbols}
              onChange={(symbols) => set({ symbols })}
              searchable
              placeholder={values.symbols.length ? undefined : "Pick one or more"}
              error={error("symbols")}
              description="Their daily candles make the samples"
            />
            <TextInput label="From (optional)" type="date" value={values.window_start} onChange={(e) => set({ window_start: e.currentTarget.value })} error={error("window_start")} description="Empty: all stored history" />
            <TextInput label="To (optional)" type="date" value={values.window_end} onChange={(e) => set({ window_end: e.currentTarget.value })} error={error("window_end")} description="Today or earlier" />
            <NumberInput label="Trees (n_estimators)" min={1} max={1000} value={values.n_estimators} onChange={(n_estimators) => set({ n_estimators })} error={error("params.n_estimators")} description="1 to 1000" allowDecimal={false} />
            <NumberInput label="Max depth" min={1} max={50} value={values.max_depth} onChange={(max_depth) => set({ max_depth })} error={error("params.max_depth")} description="1 to 50" allowDecimal={false} />
            <NumberInput label="Test fraction" min={0.05} max={0.5} step={0.05} decimalScale={2} value={values.test_fraction} onChange={(test_fraction) => set({ test_fraction })} error={error("params.test_fraction")} description="The last days held out: 0.05 to 0.5" />
          </SimpleGrid>
          <ErrorAlert error={start.error} shownFields={TRAINING_FIELDS} title="Not started" />
          <Group justify="flex-end">
            <Button type="submit" loading={start.isPending}>
              Start training
            </Button>
          </Group>
        </Stack>
      )}
    </QueryState>
  );
}
