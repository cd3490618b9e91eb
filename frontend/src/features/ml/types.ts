// The ML endpoints' shapes (mlops/serializers.py, /api/v1/ml/...) from the generated schema; the
// JSON fields the schema can only call `unknown` (a job's symbols and params, a model's metrics
// and features) are typed here, as mlops/services/run.py and mlops/backtest.py write them.
import type { components } from "@/api/schema";

type S = components["schemas"];

export type ModelType = S["ModelTypeEnum"];
export type Algorithm = S["AlgorithmEnum"];
export type JobStatus = S["TrainingJobStatusEnum"];
export type LogLine = S["TrainingLogLine"];

export interface TrainingParams {
  n_estimators?: number;
  max_depth?: number;
  test_fraction?: number;
  [key: string]: unknown;
}

export type TrainingJob = Omit<S["TrainingJob"], "symbols" | "params" | "metrics"> & {
  symbols: string[];
  params: TrainingParams;
  metrics: Record<string, unknown>;
};

export type TrainingJobDetail = TrainingJob & { log: LogLine[] };

export type TrainingJobStart = Omit<S["TrainingJobStartRequest"], "params"> & {
  params: { n_estimators: number; max_depth: number; test_fraction: number };
};

/** `ml.job.updated` over the socket (mlops/services/progress.py, job_event). */
export interface JobEvent {
  id: string;
  status: JobStatus;
  progress: number;
  log: LogLine | null;
  error: string;
  model_type: ModelType;
}

export const VERDICT_LABELS = ["avoid", "watch", "buy", "strong_buy"] as const;

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface EquityPoint {
  day: string;
  equity: number;
}

/** One walk-forward run; `win_rate` is 0-1 (null without trades), the percentages are percent. */
export interface BacktestRun {
  trades: number;
  wins: number;
  win_rate: number | null;
  return_pct: number;
  max_drawdown_pct: number;
  equity: EquityPoint[];
}

export type BacktestRunName = "rules" | "filter" | "require_both";

/** `from`/`to` are null when no block of days had enough earlier samples to learn from. */
export interface Backtest {
  folds: number;
  folds_used?: number;
  slots?: number;
  min_confidence: number;
  from: string | null;
  to: string | null;
  runs: Partial<Record<BacktestRunName, BacktestRun>>;
}

/** A classifier's or a regressor's metrics; `backtest` is missing on models trained before it. */
export interface ModelMetrics {
  accuracy?: number;
  macro_f1?: number;
  weighted_f1?: number;
  per_class?: Record<string, ClassScores>;
  confusion_matrix?: { labels: string[]; matrix: number[][] };
  mae?: number;
  rmse?: number;
  r2?: number;
  class_balance?: { train?: Record<string, number>; test?: Record<string, number> };
  samples?: { train?: number; test?: number };
  test_from?: string;
  backtest?: Backtest;
}

export type MLModel = Omit<S["MLModel"], "metrics" | "features"> & { metrics: ModelMetrics; features: string[] };

export type MetricComparison = S["MLMetricComparison"];

export type ModelComparison = Omit<S["MLModelComparison"], "a" | "b"> & { a: MLModel; b: MLModel };

/** A tracked market-data series (GET /api/v1/market-data/series). */
export type MarketSeries = S["TrackedSeries"];

export type SampleDataResult = S["SampleHistory"];

/** GET /api/v1/ml/active (any trader): the active models' figures and the verdict versions to pin. */
export type ActiveModels = S["ActiveModels"];
export type ActiveModel = S["ActiveModel"];
export type ModelVersion = S["ModelVersion"];
