"""The estimators a job trains and the metrics it reports. scikit-learn and XGBoost are imported
inside the functions: only the `ml` workers ever train, and the web process never imports them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mlops.models import Algorithm, ModelType

# The forest: 100 trees, depth 10, classes weighted by their balance. A job's params may
# lower them (tests train 10 trees).
DEFAULT_HYPERPARAMS: dict[str, Any] = {"n_estimators": 100, "max_depth": 10}
RANDOM_STATE = 42  # the same data trains the same model


@dataclass
class Fitted:
    estimator: Any
    classes: list[str]  # a classifier's labels in the estimator's output order; [] for a regressor


def fit(
    *,
    model_type: str,
    algorithm: str,
    rows: Sequence[Sequence[float]],
    labels: Sequence[str],
    targets: Sequence[float],
    hyperparams: dict[str, Any],
) -> Fitted:
    """Train on `rows` (NaN where a feature is unknown: both libraries split on missing values):
    a classifier on `labels`, or a regressor on `targets` (forward return %)."""
    import numpy as np

    n_estimators = int(hyperparams.get("n_estimators", DEFAULT_HYPERPARAMS["n_estimators"]))
    max_depth = int(hyperparams.get("max_depth", DEFAULT_HYPERPARAMS["max_depth"]))
    x = np.asarray(rows, dtype=float)
    if model_type == ModelType.VERDICT_CLASSIFIER:
        classes = sorted(set(labels))
        index = {label: i for i, label in enumerate(classes)}
        y = np.asarray([index[label] for label in labels])
        if algorithm == Algorithm.XGBOOST:
            from xgboost import XGBClassifier

            estimator: Any = XGBClassifier(
                n_estimators=n_estimators,
                max_depth=max_depth,
                random_state=RANDOM_STATE,
                n_jobs=1,
                tree_method="hist",
            )
            # XGBoost has no class_weight: the same balancing as sample weights.
            counts = np.bincount(y, minlength=len(classes))
            weights = len(y) / (len(classes) * counts[y])
            estimator.fit(x, y, sample_weight=weights)
        else:
            from sklearn.ensemble import RandomForestClassifier

            estimator = RandomForestClassifier(
                n_estimators=n_estimators,
                max_depth=max_depth,
                class_weight="balanced",
                random_state=RANDOM_STATE,
                n_jobs=1,
            )
            estimator.fit(x, y)
        return Fitted(estimator=estimator, classes=classes)
    y_reg = np.asarray(targets, dtype=float)
    if algorithm == Algorithm.XGBOOST:
        from xgboost import XGBRegressor

        estimator = XGBRegressor(
            n_estimators=n_estimators, max_depth=max_depth, random_state=RANDOM_STATE, n_jobs=1
        )
    else:
        from sklearn.ensemble import RandomForestRegressor

        estimator = RandomForestRegressor(
            n_estimators=n_estimators, max_depth=max_depth, random_state=RANDOM_STATE, n_jobs=1
        )
    estimator.fit(x, y_reg)
    return Fitted(estimator=estimator, classes=[])


def classifier_metrics(
    fitted: Fitted, rows: Sequence[Sequence[float]], labels: Sequence[str], all_labels: Sequence[str]
) -> dict[str, Any]:
    """Accuracy, macro and weighted F1, per-class precision/recall/F1/support and the confusion
    matrix (rows: true label, columns: predicted, both in `all_labels` order) on the test set."""
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

    if not rows:
        return {}
    predicted = [fitted.classes[int(i)] for i in fitted.estimator.predict([list(r) for r in rows])]
    names = list(all_labels)
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=names, zero_division=0
    )
    present = [i for i, count in enumerate(support) if count > 0]
    total = sum(int(count) for count in support)
    return {
        "accuracy": _num(accuracy_score(labels, predicted)),
        "macro_f1": _num(sum(f1[i] for i in present) / len(present)) if present else 0.0,
        "weighted_f1": _num(sum(f1[i] * support[i] for i in present) / total) if total else 0.0,
        "per_class": {
            name: {
                "precision": _num(precision[i]),
                "recall": _num(recall[i]),
                "f1": _num(f1[i]),
                "support": int(support[i]),
            }
            for i, name in enumerate(names)
        },
        "confusion_matrix": {
            "labels": names,
            "matrix": [[int(v) for v in row] for row in confusion_matrix(labels, predicted, labels=names)],
        },
    }


def regressor_metrics(
    fitted: Fitted, rows: Sequence[Sequence[float]], targets: Sequence[float]
) -> dict[str, Any]:
    """MAE, RMSE (in return percentage points) and R² on the test set."""
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    if not rows:
        return {}
    predicted = fitted.estimator.predict([list(r) for r in rows])
    r2 = r2_score(targets, predicted) if len(targets) > 1 else math.nan
    return {
        "mae": _num(mean_absolute_error(targets, predicted)),
        "rmse": _num(math.sqrt(mean_squared_error(targets, predicted))),
        "r2": _num(r2),
    }


def _num(value: Any) -> float | None:
    """A JSON-safe float rounded for reading (None for NaN)."""
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else round(number, 6)
