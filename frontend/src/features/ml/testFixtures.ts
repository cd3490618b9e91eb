// ML shapes for the tests, as the API answers them (mlops/serializers.py).
import type { ActiveModels, Backtest, BacktestRun, MLModel, ModelMetrics, TrainingJob } from "./types";

export function jobFixture(change: Partial<TrainingJob> = {}): TrainingJob {
  return {
    id: "j1",
    created_by: "admin@tradefleet.local",
    schedule: null,
    model_type: "verdict_classifier",
    algorithm: "random_forest",
    data_source: "csv",
    symbols: ["AAPL", "IBM"],
    window_start: null,
    window_end: null,
    params: { n_estimators: 10, max_depth: 5, test_fraction: 0.2 },
    status: "pending",
    progress: 0,
    cancel_requested: false,
    metrics: {},
    error: "",
    created_at: "2026-12-06T10:00:00Z",
    started_at: null,
    finished_at: null,
    model_id: null,
    last_log: null,
    ...change,
  };
}

function run(returnPct: number, trades: number, equity: number[]): BacktestRun {
  return {
    trades,
    wins: Math.round(trades * 0.55),
    win_rate: 0.55,
    return_pct: returnPct,
    max_drawdown_pct: 8.1,
    equity: equity.map((value, index) => ({ day: `2010-01-0${index + 4}`, equity: value })),
  };
}

export const BACKTEST: Backtest = {
  folds: 4,
  min_confidence: 0.6,
  from: "2010-01-04",
  to: "2013-12-31",
  runs: { rules: run(12.3, 40, [100, 101, 99]), filter: run(15.5, 28, [100, 102, 104]), require_both: run(6.2, 9, [100, 100.5, 101]) },
};

export const CLASSIFIER_METRICS: ModelMetrics = {
  accuracy: 0.41,
  macro_f1: 0.33,
  weighted_f1: 0.4,
  per_class: {
    avoid: { precision: 0.5, recall: 0.6, f1: 0.55, support: 50 },
    watch: { precision: 0.2, recall: 0.1, f1: 0.13, support: 20 },
    buy: { precision: 0.3, recall: 0.35, f1: 0.32, support: 30 },
    strong_buy: { precision: 0.25, recall: 0.3, f1: 0.27, support: 10 },
  },
  // In another order than the verdicts', as a server may send it.
  confusion_matrix: {
    labels: ["buy", "avoid", "strong_buy", "watch"],
    matrix: [
      [10, 15, 3, 2],
      [12, 30, 2, 6],
      [4, 2, 3, 1],
      [5, 12, 1, 2],
    ],
  },
  class_balance: { train: { avoid: 200, watch: 80, buy: 120, strong_buy: 40 }, test: { avoid: 50, watch: 20, buy: 30, strong_buy: 10 } },
  samples: { train: 440, test: 110 },
  test_from: "2012-03-01",
  backtest: BACKTEST,
};

export function modelFixture(change: Partial<MLModel> = {}): MLModel {
  return {
    id: "m1",
    model_type: "verdict_classifier",
    version: 1,
    algorithm: "random_forest",
    job: "j1",
    metrics: CLASSIFIER_METRICS,
    features: ["rsi", "ema_gap", "volume_ratio"],
    schema_version: 1,
    artifact_sha256: "a".repeat(64),
    is_active: false,
    created_by: "admin@tradefleet.local",
    activated_by: null,
    activated_at: null,
    created_at: "2026-12-06T10:05:00Z",
    ...change,
  };
}

export function activeFixture(change: Partial<ActiveModels> = {}): ActiveModels {
  return {
    verdict_classifier: {
      version: 3,
      algorithm: "random_forest",
      activated_at: "2026-12-06T10:10:00Z",
      accuracy: 0.41,
      macro_f1: 0.33,
      test_from: "2012-03-01",
      backtest: {
        rules: { trades: 40, win_rate: 0.5, return_pct: 12.3, max_drawdown_pct: 8.1 },
        filter: { trades: 28, win_rate: 0.6, return_pct: 15.5, max_drawdown_pct: 6.0 },
        require_both: { trades: 9, win_rate: 0.66, return_pct: 6.2, max_drawdown_pct: 3.2 },
      },
    },
    price_regressor: null,
    versions: [
      { version: 3, algorithm: "random_forest", created_at: "2026-12-06T10:05:00Z", is_active: true },
      { version: 2, algorithm: "xgboost", created_at: "2026-12-05T10:05:00Z", is_active: false },
    ],
    ...change,
  };
}
