"""The registry without training: versions, one active model per type, rollback, comparison, and
loading only what still matches its checksum."""

from __future__ import annotations

import pytest
from sklearn.dummy import DummyClassifier

from auditlog.models import AuditLog
from mlops.models import MLModel, TrainingJob
from mlops.services.errors import MLConflict
from mlops.services.registry import (
    active_model,
    artifact_file,
    model_activate,
    model_register,
    model_rollback,
    models_compare,
)

pytestmark = pytest.mark.django_db
FEATURES = ("a", "b")


def registered(admin_user, *, accuracy: float = 0.5, label: str = "buy") -> MLModel:
    job = TrainingJob.objects.create(
        created_by=admin_user, model_type="verdict_classifier", data_source="csv", symbols=["AAPL"]
    )
    estimator = DummyClassifier(strategy="most_frequent").fit([[0.0, 0.0], [1.0, 1.0]], [0, 0])
    metrics = {"accuracy": accuracy, "per_class": {"buy": {"f1": accuracy}}}
    return model_register(job=job, estimator=estimator, features=FEATURES, metrics=metrics, classes=[label])


def test_each_registration_is_the_next_version(admin_user) -> None:
    assert [registered(admin_user).version for _ in range(3)] == [1, 2, 3]


def test_one_model_per_type_is_active_and_rollback_restores_the_previous(admin_user) -> None:
    first, second = registered(admin_user, label="watch"), registered(admin_user, label="buy")
    model_activate(model=first, actor=admin_user)
    model_activate(model=second, actor=admin_user)
    assert list(MLModel.objects.filter(is_active=True)) == [second]
    assert active_model("verdict_classifier").predict_verdicts([(0.0, 0.0)]) == [("buy", 1.0)]

    restored = model_rollback(model_type="verdict_classifier", actor=admin_user)

    assert restored == first
    assert list(MLModel.objects.filter(is_active=True)) == [first]
    assert active_model("verdict_classifier").predict_verdicts([(0.0, 0.0)]) == [("watch", 1.0)]
    assert AuditLog.objects.filter(action="ml.model.rollback").count() == 1


def test_rollback_without_an_earlier_active_model_is_refused(admin_user) -> None:
    model_activate(model=registered(admin_user), actor=admin_user)
    with pytest.raises(MLConflict) as refused:
        model_rollback(model_type="verdict_classifier", actor=admin_user)
    assert refused.value.code == "no_previous_model"


def test_compare_lines_up_the_metrics_of_two_models(admin_user) -> None:
    a, b = registered(admin_user, accuracy=0.5), registered(admin_user, accuracy=0.75)
    rows = {row["name"]: row for row in models_compare(a, b)["metrics"]}
    assert rows["accuracy"] == {"name": "accuracy", "a": 0.5, "b": 0.75, "difference": 0.25}
    assert rows["f1_buy"]["difference"] == 0.25


def test_a_path_outside_the_artifacts_directory_is_never_read(admin_user, caplog) -> None:
    model = registered(admin_user)
    model_activate(model=model, actor=admin_user)
    MLModel.objects.filter(pk=model.pk).update(artifact_path="../../etc/passwd")
    assert active_model("verdict_classifier") is None
    assert "outside the artifacts directory" in caplog.text


def test_a_file_swapped_for_another_registered_file_is_refused(admin_user) -> None:
    # A valid joblib file the registry wrote, but not this model's: the checksum tells them apart.
    model, other = registered(admin_user, label="watch"), registered(admin_user, label="buy")
    model_activate(model=model, actor=admin_user)
    artifact_file(model).write_bytes(artifact_file(other).read_bytes())
    assert active_model("verdict_classifier") is None
