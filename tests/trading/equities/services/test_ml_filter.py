"""The ML filter on the 16:00 analysis (issue 18): a trader who opted in gets each planned buy put
to the verdict model, which records its version, verdict and confidence on the recommendation and
drops the buys its combine mode says to drop; with no usable model (none active, a pinned version
that does not exist, an artifact changed on disk) the rules alone decide and the trader's log says
so. The model is a real one: trained on bokeh-sampledata's daily stocks by the training task."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mlops.models import MLModel
from mlops.services.registry import artifact_file, forget_loaded_models, model_activate
from mlops.services.sample_data import sample_history_load
from mlops.services.training import training_job_start
from trading.equities.models import Recommendation
from trading.equities.services.analysis import analysis_run
from trading.settings.services import trading_config_update

from ..conftest import Nse, ist
from .test_analysis import RULES, _trader_on

pytestmark = pytest.mark.django_db(transaction=True)
MONDAY_16 = ist(2026, 11, 23, 16, 0)
BUY_LABELS = {"buy", "strong_buy"}


@pytest.fixture
def model(nse: Nse, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks) -> MLModel:
    """A small verdict classifier trained on AAPL and MSFT (2006-2013) by the task, and activated."""
    settings.ML_ARTIFACTS_DIR = str(tmp_path / "ml-artifacts")
    forget_loaded_models()
    sample_history_load(symbols=("AAPL", "MSFT"))
    with django_capture_on_commit_callbacks(execute=True):
        job = training_job_start(
            actor=None,
            model_type="verdict_classifier",
            data_source="csv",
            symbols=["AAPL", "MSFT"],
            window_start=ist(2006, 1, 1, 0, 0).date(),
            params={"n_estimators": 10, "max_depth": 4, "backtest_folds": 2},
        )
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    yield model_activate(model=MLModel.objects.get(job=job), actor=None)
    forget_loaded_models()


def _opt_in(user: Any, **fields: Any) -> None:
    trading_config_update(user=user, fields={"ml_enabled": True, **fields}, partial=True)


def _planned(user: Any) -> list[Recommendation]:
    return list(Recommendation.objects.filter(user=user).order_by("rank"))


def test_without_opting_in_the_rules_alone_decide_and_nothing_of_the_model_is_recorded(
    nse: Nse, model
) -> None:
    nse.at(MONDAY_16)
    user = _trader_on(nse, RULES, nse.user)
    run = analysis_run(user_id=user.pk)
    recs = _planned(user)
    assert recs and run.ml == {}
    assert all(r.ml_model_version is None and r.ml_verdict == "" for r in recs)


@pytest.mark.parametrize("mode", ["filter", "require_both"])
def test_each_buy_records_the_models_say_and_the_mode_decides_which_stay(nse: Nse, model, mode: str) -> None:
    nse.at(MONDAY_16)
    user = _trader_on(nse, RULES, nse.user)
    rules_alone = {r.symbol for r in _planned_without_ml(nse, user)}
    _opt_in(user, ml_combine=mode, ml_min_confidence="0")
    run = analysis_run(user_id=user.pk)
    recs = _planned(user)
    assert {r.symbol for r in recs} == rules_alone  # the model adds nothing
    for rec in recs:
        assert rec.ml_model_version == model.version and rec.ml_verdict in {"avoid", "watch", *BUY_LABELS}
        assert Decimal(0) < rec.ml_confidence <= Decimal(1)
        # At confidence floor 0 both modes keep exactly the buys the model calls buy/strong_buy.
        kept = rec.status == "planned"
        assert kept == (rec.ml_verdict in BUY_LABELS), (rec.symbol, rec.ml_verdict, rec.status)
        if not kept:
            assert rec.status == "skipped" and rec.reason.startswith(
                f"ML filter (model v{model.version}, {mode})"
            )
    dropped = sorted(r.symbol for r in recs if r.status == "skipped")
    assert run.ml["model_version"] == model.version and run.ml["mode"] == mode
    assert sorted(run.ml["dropped"]) == dropped and run.ml["kept"] == len(recs) - len(dropped)


def test_requiring_both_drops_the_buys_the_model_is_less_sure_of(nse: Nse, model) -> None:
    nse.at(MONDAY_16)
    user = _trader_on(nse, RULES, nse.user)
    _opt_in(user, ml_combine="require_both", ml_min_confidence="0")
    sure = {r.symbol: r.ml_confidence for r in _planned_without_ml(nse, user) if r.ml_verdict in BUY_LABELS}
    assert len(set(sure.values())) >= 2, sure  # the data gives two buys the model is not equally sure of
    floor = max(sure.values())
    _opt_in(user, ml_min_confidence=str(floor))
    run = analysis_run(user_id=user.pk)
    status = {r.symbol: r.status for r in _planned(user)}
    assert [s for s, c in sure.items() if c >= floor] == [s for s in sure if status[s] == "planned"]
    assert run.ml["dropped"] == [s for s, c in sure.items() if c < floor]
    for rec in _planned(user):
        if rec.status == "skipped":
            assert rec.reason.endswith(f"says {rec.ml_verdict} at only {rec.ml_confidence:.2f} confidence")


def test_a_high_floor_lets_the_filter_drop_only_confident_noes(nse: Nse, model) -> None:
    nse.at(MONDAY_16)
    user = _trader_on(nse, RULES, nse.user)
    _opt_in(user, ml_combine="filter", ml_min_confidence="1")
    analysis_run(user_id=user.pk)
    for rec in _planned(user):
        unsure_no = rec.ml_verdict not in BUY_LABELS and rec.ml_confidence < 1
        if rec.ml_verdict in BUY_LABELS or unsure_no:
            assert rec.status == "planned"


def test_a_changed_artifact_is_refused_and_the_rules_decide_alone_as_the_log_says(
    nse: Nse, model, caplog
) -> None:
    nse.at(MONDAY_16)
    user = _trader_on(nse, RULES, nse.user)
    _opt_in(user, ml_combine="require_both", ml_min_confidence="0.99")
    path = artifact_file(model)
    path.write_bytes(path.read_bytes() + b"tampered")
    forget_loaded_models()
    with caplog.at_level(logging.WARNING):
        run = analysis_run(user_id=user.pk)
    recs = _planned(user)
    assert recs and all(r.status == "planned" and r.ml_model_version is None for r in recs)
    assert run.ml["model_version"] is None
    assert f"model v{model.version} was refused" in run.ml["note"]
    told = [r for r in caplog.records if getattr(r, "user_id", None) == str(user.pk)]
    assert any("the rules alone decided" in r.getMessage() for r in told)


def test_a_pinned_version_that_does_not_exist_leaves_the_rules_alone(nse: Nse, model) -> None:
    nse.at(MONDAY_16)
    user = _trader_on(nse, RULES, nse.user)
    _opt_in(user, ml_model_version=model.version + 5, ml_combine="require_both", ml_min_confidence="0.99")
    run = analysis_run(user_id=user.pk)
    assert all(r.status == "planned" for r in _planned(user))
    assert (
        run.ml["note"]
        == f"ML filter on, but model v{model.version + 5} does not exist: the rules alone decided"
    )


def _planned_without_ml(nse: Nse, user: Any) -> list[Recommendation]:
    analysis_run(user_id=user.pk)
    recs = _planned(user)
    Recommendation.objects.filter(user=user).delete()
    return recs


def test_a_model_that_cannot_predict_leaves_the_rules_alone(nse: Nse, settings: Any, tmp_path: Path) -> None:
    """Registered with this release's features, but fitted on two columns: predicting fails."""
    from sklearn.tree import DecisionTreeClassifier

    from mlops.dataset import FEATURE_NAMES
    from mlops.models import TrainingJob
    from mlops.services.registry import model_register

    settings.ML_ARTIFACTS_DIR = str(tmp_path / "ml-artifacts")
    job = TrainingJob.objects.create(model_type="verdict_classifier", data_source="csv", symbols=["AAPL"])
    broken = model_register(
        job=job,
        estimator=DecisionTreeClassifier().fit([[0.0, 0.0], [1.0, 1.0]], [0, 1]),
        features=FEATURE_NAMES,
        metrics={},
        classes=["avoid", "buy"],
    )
    model_activate(model=broken, actor=None)
    nse.at(MONDAY_16)
    user = _trader_on(nse, RULES, nse.user)
    _opt_in(user, ml_combine="require_both", ml_min_confidence="0.99")
    run = analysis_run(user_id=user.pk)
    assert run.status == "succeeded" and all(r.status == "planned" for r in _planned(user))
    assert run.ml["note"] == (
        f"ML filter on, but model v{broken.version} failed to give its verdicts (ValueError): "
        "the rules alone decided"
    )
