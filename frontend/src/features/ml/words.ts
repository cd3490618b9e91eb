// How the ML pages say things: names of types, algorithms, runs and metrics, and their numbers.
import type { Algorithm, BacktestRunName, JobStatus, ModelType } from "./types";

export const MODEL_TYPES: { value: ModelType; label: string }[] = [
  { value: "verdict_classifier", label: "Verdict classifier" },
  { value: "price_regressor", label: "Price regressor" },
];

export const ALGORITHMS: { value: Algorithm; label: string }[] = [
  { value: "random_forest", label: "Random forest" },
  { value: "xgboost", label: "XGBoost" },
];

export function modelTypeName(type: string): string {
  return MODEL_TYPES.find((t) => t.value === type)?.label ?? type.replace(/_/g, " ");
}

export function algorithmName(algorithm: string): string {
  return ALGORITHMS.find((a) => a.value === algorithm)?.label ?? algorithm.replace(/_/g, " ");
}

export const JOB_STATUS_COLORS: Record<JobStatus, string> = {
  pending: "gray",
  running: "blue",
  succeeded: "teal",
  failed: "red",
  cancelled: "gray",
};

/** The three walk-forward runs, in the order they are shown, with their chart colours. */
export const RUNS: { name: BacktestRunName; label: string; color: string }[] = [
  { name: "rules", label: "Rules alone", color: "#868e96" },
  { name: "filter", label: "Rules + model (filter)", color: "#1c7ed6" },
  { name: "require_both", label: "Rules + model (require both)", color: "#e8590c" },
];

const METRIC_NAMES: Record<string, string> = {
  accuracy: "Accuracy",
  macro_f1: "Macro F1",
  weighted_f1: "Weighted F1",
  mae: "MAE (points)",
  rmse: "RMSE (points)",
  r2: "R²",
};

export function metricName(name: string): string {
  const known = METRIC_NAMES[name];
  if (known) return known;
  const perClass = /^(f1|precision|recall)_(.+)$/.exec(name);
  if (perClass) return `${perClass[1] === "f1" ? "F1" : perClass[1]} of ${perClass[2]!.replace(/_/g, " ")}`;
  return name.replace(/_/g, " ");
}

/** Metrics where less is better (errors); the others are better higher. */
export function lowerIsBetter(name: string): boolean {
  return name === "mae" || name === "rmse";
}

function finite(value: number | null | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** 0.413 -> "41.3 %". */
export function share(value: number | null | undefined): string {
  return finite(value) ? `${(value * 100).toFixed(1)} %` : "—";
}

/** 0.3312 -> "0.331". */
export function score(value: number | null | undefined, digits = 3): string {
  return finite(value) ? value.toFixed(digits) : "—";
}

/** 12.3 -> "+12.30 %"; a drawdown is shown as it comes (a positive depth). */
export function percent(value: number | null | undefined, signed = true): string {
  if (!finite(value)) return "—";
  return `${signed && value > 0 ? "+" : ""}${value.toFixed(2)} %`;
}

export function signedScore(value: number | null | undefined, digits = 3): string {
  if (!finite(value)) return "—";
  return `${value > 0 ? "+" : ""}${value.toFixed(digits)}`;
}

export function labelName(label: string): string {
  return label.replace(/_/g, " ");
}
