// The training form's values and the job they start (POST /api/v1/ml/jobs).
import { ApiError } from "@/api/client";
import type { Algorithm, MarketSeries, ModelType, TrainingJobStart } from "./types";

export interface TrainingFormValues {
  model_type: ModelType;
  algorithm: Algorithm;
  data_source: string;
  symbols: string[];
  window_start: string;
  window_end: string;
  n_estimators: number | string;
  max_depth: number | string;
  test_fraction: number | string;
}

export const TRAINING_DEFAULTS: TrainingFormValues = {
  model_type: "verdict_classifier",
  algorithm: "random_forest",
  data_source: "",
  symbols: [],
  window_start: "",
  window_end: "",
  n_estimators: 100,
  max_depth: 10,
  test_fraction: 0.2,
};

/** The fields errors are shown at; anything else goes to the form's alert. */
export const TRAINING_FIELDS = [
  "model_type",
  "algorithm",
  "data_source",
  "symbols",
  "window_start",
  "window_end",
  "params.n_estimators",
  "params.max_depth",
  "params.test_fraction",
];

/** Daily symbols by data source, both sorted: {csv: ["AAPL", ...], yfinance: [...]}. */
export function symbolsBySource(series: MarketSeries[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of series) (out[s.source] ??= []).push(s.symbol);
  return Object.fromEntries(
    Object.keys(out)
      .sort()
      .map((source) => [source, Array.from(new Set(out[source])).sort()]),
  );
}

export function jobBody(values: TrainingFormValues): TrainingJobStart {
  return {
    model_type: values.model_type,
    algorithm: values.algorithm,
    data_source: values.data_source,
    symbols: values.symbols,
    window_start: values.window_start || null,
    window_end: values.window_end || null,
    params: { n_estimators: Number(values.n_estimators), max_depth: Number(values.max_depth), test_fraction: Number(values.test_fraction) },
  };
}

/** A field's messages, its nested ones included (a refused symbol is `symbols.1`). */
export function errorAt(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const messages = Object.entries(error.fieldErrors)
    .filter(([key]) => key === field || key.startsWith(`${field}.`))
    .flatMap(([, list]) => list);
  return messages.length ? messages.join(" ") : undefined;
}
