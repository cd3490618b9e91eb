"""The ML filter on a trader's planned buys (issue 18): when the trader opted in
(`UserTradingConfig.ml_enabled`), each buy the rules planned is put to the verdict model (the
active one, or the version the trader pinned) and kept or dropped as `ml_combine` says
(mlops/filtering.py). Every recommendation records the model's version, verdict and confidence.

When no model can be used (none active, the pinned version gone, an artifact that fails its
checksum) the rules alone decide, and the trader's service log says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from brokers.adapters.base import Candle
from mlops.dataset import FEATURE_NAMES, features_at
from mlops.filtering import decide
from mlops.models import ModelType
from mlops.services.registry import model_for_use
from trading.equities.models import Recommendation, RecommendationStatus
from trading.equities.strategy.params import StrategyParams
from trading.runtime.journal import trade_log
from trading.settings.models import UserTradingConfig

CONFIDENCE_PLACES = Decimal("0.0001")
logger = logging.getLogger("tradefleet.trading.equities")


def ml_filter_apply(
    *,
    user_id: Any,
    day: date,
    params: StrategyParams,
    recommendations: Sequence[Recommendation],
    bars_of: Callable[[str], Sequence[Candle]],
) -> dict[str, Any]:
    """Put the planned `recommendations` (unsaved) to the trader's model, in place (`bars_of(symbol)`:
    the daily bars up to the close, oldest first): each gets the
    model's say, a dropped one is `skipped` with the reason. Returns what the run records
    (AnalysisRun.ml): {} when the trader has not opted in."""
    config = UserTradingConfig.objects.filter(user_id=user_id).first()
    if config is None or not config.ml_enabled:
        return {}
    mode, floor = config.ml_combine, float(config.ml_min_confidence)
    summary: dict[str, Any] = {"mode": mode, "min_confidence": floor, "model_version": None}
    planned = [rec for rec in recommendations if rec.status == RecommendationStatus.PLANNED]
    model, why = model_for_use(ModelType.VERDICT_CLASSIFIER, config.ml_model_version)
    if model is not None and tuple(model.features) != FEATURE_NAMES:
        why, model = f"model v{model.version} was trained on other features than this release computes", None
    verdicts: list[tuple[str, float]] = []
    if model is not None:
        try:
            verdicts = model.predict_verdicts([features_at(bars_of(rec.symbol), params) for rec in planned])
        except Exception as exc:  # a model this process cannot run: the buys must not depend on it
            logger.exception("ML model v%s failed to predict for %s", model.version, user_id)
            why, model = f"model v{model.version} failed to give its verdicts ({type(exc).__name__})", None
    if model is None:
        summary["note"] = f"ML filter on, but {why}: the rules alone decided"
        trade_log(user_id, f"NSE strategy: {summary['note']}.", level=logging.WARNING, day=day.isoformat())
        return summary
    summary["model_version"] = model.version
    dropped: list[str] = []
    for rec, (label, confidence) in zip(planned, verdicts, strict=True):
        # Decided on the confidence as recorded, so the record explains the decision exactly.
        recorded = Decimal(str(confidence)).quantize(CONFIDENCE_PLACES)
        rec.ml_model_version, rec.ml_verdict, rec.ml_confidence = model.version, label, recorded
        decision = decide(label, float(recorded), mode=mode, min_confidence=floor)
        if not decision.keep:
            rec.status = RecommendationStatus.SKIPPED
            rec.reason = f"ML filter (model v{model.version}, {mode}): {decision.reason}"
            dropped.append(rec.symbol)
    summary |= {"kept": len(planned) - len(dropped), "dropped": dropped}
    trade_log(
        user_id,
        f"NSE strategy: ML filter (model v{model.version}, {mode}, min confidence {floor:.2f}) kept "
        f"{len(planned) - len(dropped)} of {len(planned)} buys"
        + (f"; dropped {', '.join(dropped)}." if dropped else "."),
        day=day.isoformat(),
    )
    return summary
