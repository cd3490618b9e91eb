"""The model registry: artifacts written with joblib under ML_ARTIFACTS_DIR, each registered with the
SHA-256 of its file; one active model per type; loading only what still matches its checksum.

A joblib file is a pickle: loading one runs whatever it says. So a file is read into memory, hashed,
and unpickled only when the hash equals the one the registry stored when it wrote the file; a
missing or changed file is refused (logged) and the caller decides without a model.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from auditlog.services import record
from mlops.models import MLModel, ModelType, TrainingJob
from mlops.services.errors import MLConflict

logger = logging.getLogger(__name__)

# Return thresholds of the labels (issue 18): the regressor's prediction read as a verdict.
REGRESSOR_THRESHOLDS: tuple[tuple[float, str], ...] = ((5.0, "strong_buy"), (1.0, "buy"), (0.0, "watch"))


class ArtifactRefused(Exception):
    """The artifact is missing, outside the artifacts directory, or not the file the registry wrote."""


def artifacts_dir() -> Path:
    return Path(settings.ML_ARTIFACTS_DIR)


def artifact_file(model: MLModel) -> Path:
    """The model's file; refuses a stored path that leads out of the artifacts directory."""
    root = artifacts_dir().resolve()
    path = (root / model.artifact_path).resolve()
    if not path.is_relative_to(root):
        raise ArtifactRefused(f"artifact path {model.artifact_path!r} is outside the artifacts directory")
    return path


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- Writing ---------------------------------------------------------------------------------------


def _write_artifact(payload: dict[str, Any], relative: str) -> str:
    """Dump `payload` to `relative` atomically (a reader never sees half a file); its SHA-256."""
    import joblib  # lazily: the web process never needs it to answer a request

    buffer = io.BytesIO()
    joblib.dump(payload, buffer, compress=3)
    data = buffer.getvalue()
    path = artifacts_dir() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".joblib")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return sha256_of(data)


def model_register(
    *,
    job: TrainingJob,
    estimator: Any,
    features: Sequence[str],
    metrics: dict[str, Any],
    classes: Sequence[str] = (),
    schema_version: int = 1,
) -> MLModel:
    """Write the job's estimator as the next version of its model type and register it (inactive).
    `classes` are the labels of a classifier's outputs, in the estimator's order."""
    with transaction.atomic():
        # The job row is the lock: one registration per job, versions handed out one at a time.
        TrainingJob.objects.select_for_update().get(pk=job.pk)
        last = MLModel.objects.filter(model_type=job.model_type).aggregate(v=Max("version"))["v"]
        version = (last or 0) + 1
        relative = f"{job.model_type}/v{version}-{job.pk.hex}.joblib"
        payload = {
            "estimator": estimator,
            "classes": list(classes),
            "features": list(features),
            "model_type": job.model_type,
            "version": version,
            "schema_version": schema_version,
        }
        sha = _write_artifact(payload, relative)
        return MLModel.objects.create(
            model_type=job.model_type,
            version=version,
            algorithm=job.algorithm,
            job=job,
            metrics=metrics,
            features=list(features),
            schema_version=schema_version,
            artifact_path=relative,
            artifact_sha256=sha,
            created_by=job.created_by,
        )


# --- Activation ------------------------------------------------------------------------------------


def model_activate(*, model: MLModel, actor: Any, request: HttpRequest | None = None) -> MLModel:
    """Make `model` the active one of its type (the one active before is deactivated). Refused
    (409 artifact_invalid) when its artifact no longer matches its checksum: the strategy could
    not load it."""
    with transaction.atomic():
        rows = list(MLModel.objects.select_for_update().filter(model_type=model.model_type))
        model = next(row for row in rows if row.pk == model.pk)
        try:
            _verified_bytes(model)
        except ArtifactRefused as exc:
            raise MLConflict(f"This model's artifact cannot be used: {exc}", code="artifact_invalid") from exc
        previous = next((row for row in rows if row.is_active), None)
        if previous is not None and previous.pk == model.pk:
            return model
        if previous is not None:
            previous.is_active = False
            previous.save(update_fields=["is_active"])
        model.is_active = True
        model.activated_by = actor if getattr(actor, "is_authenticated", False) else None
        model.activated_at = timezone.now()
        model.save(update_fields=["is_active", "activated_by", "activated_at"])
        record(
            action="ml.model.activate",
            actor=actor,
            resource=model,
            changes={
                "model_type": model.model_type,
                "version": [previous.version if previous else None, model.version],
            },
            request=request,
        )
    return model


def model_rollback(*, model_type: str, actor: Any, request: HttpRequest | None = None) -> MLModel:
    """Activate the model of `model_type` that was active before the current one (the most recently
    activated other model). 409 no_previous_model when there is none."""
    current = MLModel.objects.filter(model_type=model_type, is_active=True).first()
    candidates = MLModel.objects.filter(model_type=model_type, activated_at__isnull=False)
    if current is not None:
        candidates = candidates.exclude(pk=current.pk)
    previous = candidates.order_by("-activated_at").first()
    if previous is None:
        raise MLConflict("No earlier model of this type was ever active.", code="no_previous_model")
    model = model_activate(model=previous, actor=actor, request=request)
    record(
        action="ml.model.rollback",
        actor=actor,
        resource=model,
        changes={"model_type": model_type, "version": [current.version if current else None, model.version]},
        request=request,
    )
    return model


def models_compare(a: MLModel, b: MLModel) -> dict[str, Any]:
    """The two models side by side: each headline metric and per-class F1 of both, with b - a."""

    def flat(model: MLModel) -> dict[str, float]:
        metrics = model.metrics or {}
        values = {
            name: float(metrics[name])
            for name in ("accuracy", "macro_f1", "weighted_f1", "mae", "rmse", "r2")
            if isinstance(metrics.get(name), int | float)
        }
        for label, scores in (metrics.get("per_class") or {}).items():
            if isinstance(scores, dict) and isinstance(scores.get("f1"), int | float):
                values[f"f1_{label}"] = float(scores["f1"])
        return values

    left, right = flat(a), flat(b)
    names = [name for name in left if name in right] + [name for name in right if name not in left]
    rows = [
        {
            "name": name,
            "a": left.get(name),
            "b": right.get(name),
            "difference": (right[name] - left[name]) if name in left and name in right else None,
        }
        for name in names
    ]
    return {"a": a, "b": b, "metrics": rows}


# --- Loading ---------------------------------------------------------------------------------------


def _verified_bytes(model: MLModel) -> bytes:
    """The artifact's bytes, read once and checked against the registered SHA-256."""
    path = artifact_file(model)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ArtifactRefused(f"artifact {model.artifact_path} is missing") from exc
    except OSError as exc:
        raise ArtifactRefused(f"artifact {model.artifact_path} cannot be read: {exc.strerror}") from exc
    if sha256_of(data) != model.artifact_sha256:
        raise ArtifactRefused(f"artifact {model.artifact_path} does not match its registered SHA-256")
    return data


@dataclass
class LoadedModel:
    """A registered model in memory, ready to predict on rows of features in `features` order."""

    model_id: Any
    version: int
    model_type: str
    features: list[str]  # the order `rows` must follow (mlops.dataset.FEATURE_NAMES when it was trained)
    classes: list[str]
    estimator: Any = field(repr=False)
    schema_version: int = 1  # mlops.dataset.SCHEMA_VERSION when it was trained

    def predict_verdicts(self, rows: Sequence[tuple[float, ...]]) -> list[tuple[str, float]]:
        """(label, confidence) per row: the most probable label and its probability. A price
        regressor's predicted return is read with the labels' thresholds (its confidence is 1.0:
        a regressor states no probability)."""
        if not rows:
            return []
        matrix = [list(row) for row in rows]
        if self.model_type == ModelType.PRICE_REGRESSOR:
            return [(_label_of_return(float(value)), 1.0) for value in self.estimator.predict(matrix)]
        probabilities = self.estimator.predict_proba(matrix)
        out = []
        for row in probabilities:
            best = max(range(len(row)), key=lambda index: row[index])
            out.append((self.classes[best], float(row[best])))
        return out

    def predict_returns(self, rows: Sequence[tuple[float, ...]]) -> list[float]:
        """A price regressor's predicted forward return (%) per row."""
        if self.model_type != ModelType.PRICE_REGRESSOR:
            raise TypeError("only a price regressor predicts returns")
        return [float(value) for value in self.estimator.predict([list(row) for row in rows])] if rows else []


def _label_of_return(return_pct: float) -> str:
    for floor, label in REGRESSOR_THRESHOLDS:
        if return_pct >= floor:
            return label
    return "avoid"


# Per process: (model id, sha) -> (the file's (size, mtime) when verified, the loaded model). A
# changed file is hashed again before the cached model is served again.
_cache: dict[tuple[Any, str], tuple[tuple[int, int], LoadedModel]] = {}
_cache_lock = threading.Lock()


def forget_loaded_models() -> None:
    with _cache_lock:
        _cache.clear()


def load_model(model: MLModel) -> LoadedModel:
    """`model` loaded from its artifact, verified first (raises ArtifactRefused)."""
    key = (model.pk, model.artifact_sha256)
    path = artifact_file(model)
    try:
        stat = path.stat()
    except OSError as exc:
        raise ArtifactRefused(f"artifact {model.artifact_path} is missing") from exc
    signature = (stat.st_size, stat.st_mtime_ns)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] == signature:
        return cached[1]
    data = _verified_bytes(model)
    import joblib  # lazily, as above

    payload = joblib.load(io.BytesIO(data))
    loaded = LoadedModel(
        model_id=model.pk,
        version=model.version,
        model_type=model.model_type,
        features=list(payload.get("features") or model.features),
        classes=list(payload.get("classes") or []),
        estimator=payload["estimator"],
        schema_version=int(payload.get("schema_version") or model.schema_version),
    )
    with _cache_lock:
        for stale in [k for k in _cache if k[0] == model.pk]:
            del _cache[stale]
        _cache[key] = (signature, loaded)
    return loaded


def active_model(model_type: str) -> LoadedModel | None:
    """The active model of `model_type`, loaded; None when none is active or its artifact is
    missing or does not match its checksum (logged as a warning, never unpickled)."""
    model = MLModel.objects.filter(model_type=model_type, is_active=True).first()
    if model is None:
        return None
    try:
        return load_model(model)
    except ArtifactRefused as exc:
        logger.warning("ML model %s v%s refused: %s", model.model_type, model.version, exc)
        return None


def model_for_use(model_type: str, version: int | None = None) -> tuple[LoadedModel | None, str]:
    """The model a trader's decisions use: `version` of `model_type` when pinned, else the active
    one; loaded and verified. (None, why in words) when there is none or it cannot be used."""
    rows = MLModel.objects.filter(model_type=model_type)
    model = rows.filter(version=version).first() if version else rows.filter(is_active=True).first()
    if model is None:
        return None, (f"model v{version} does not exist" if version else "no model is active")
    try:
        loaded = load_model(model)
    except ArtifactRefused as exc:
        logger.warning("ML model %s v%s refused: %s", model.model_type, model.version, exc)
        return None, f"model v{model.version} was refused: its artifact is missing or changed"
    except Exception as exc:  # a file the registry wrote but this process cannot load (library versions)
        logger.exception("ML model %s v%s could not be loaded", model.model_type, model.version)
        return None, f"model v{model.version} could not be loaded ({type(exc).__name__})"
    return loaded, ""


def _figures(model: MLModel) -> dict[str, Any]:
    """What a trader sees of a model: its test figures and the backtest without the curves."""
    metrics = model.metrics or {}
    runs = (metrics.get("backtest") or {}).get("runs") or {}
    without_curves = {name: {k: v for k, v in run.items() if k != "equity"} for name, run in runs.items()}
    return {
        "version": model.version,
        "algorithm": model.algorithm,
        "activated_at": model.activated_at,
        "accuracy": metrics.get("accuracy"),
        "macro_f1": metrics.get("macro_f1"),
        "test_from": metrics.get("test_from"),
        "backtest": without_curves or None,
    }


def models_for_traders() -> dict[str, Any]:
    """The active model of each type with its figures, and the verdict models a trader may pin."""
    active = {m.model_type: m for m in MLModel.objects.filter(is_active=True)}
    versions = MLModel.objects.filter(model_type=ModelType.VERDICT_CLASSIFIER).order_by("-version")
    return {
        **{kind: (_figures(active[kind]) if kind in active else None) for kind in ModelType.values},
        "versions": [
            {
                "version": m.version,
                "algorithm": m.algorithm,
                "created_at": m.created_at,
                "is_active": m.is_active,
            }
            for m in versions
        ],
    }
