"""ML in Django admin: the pages open, models are activated through the service's checks, and a
schedule saved in admin gets its beat row (a bad one gets field errors, not a 500)."""

from __future__ import annotations

import pytest
from django.test import Client
from django_celery_beat.models import PeriodicTask

from mlops.models import MLModel, RetrainingSchedule
from mlops.services.registry import artifact_file
from tests.mlops.test_registry import registered

pytestmark = pytest.mark.django_db
SCHEDULE_FORM = {
    "name": "weekly",
    "model_type": "verdict_classifier",
    "algorithm": "random_forest",
    "data_source": "csv",
    "symbols": '["AAPL", "MSFT"]',
    "window_days": "730",
    "params": "{}",
    "cron": "0 18 * * 5",
    "timezone": "Asia/Kolkata",
    "metric": "accuracy",
    "metric_floor": "",
    "enabled": "on",
}


@pytest.fixture
def browser(admin_user, password) -> Client:
    client = Client()
    assert client.login(username=admin_user.email, password=password)
    return client


def test_the_ml_pages_open(browser, admin_user) -> None:
    model = registered(admin_user)
    for path in (
        "/admin/mlops/",
        "/admin/mlops/trainingjob/",
        f"/admin/mlops/trainingjob/{model.job_id}/change/",
        "/admin/mlops/mlmodel/",
        f"/admin/mlops/mlmodel/{model.pk}/change/",
        "/admin/mlops/retrainingschedule/",
        "/admin/mlops/retrainingschedule/add/",
    ):
        assert browser.get(path).status_code == 200, path


def test_the_activate_action_checks_the_artifact(browser, admin_user) -> None:
    good, bad = registered(admin_user), registered(admin_user)
    artifact_file(bad).write_bytes(b"changed")
    for model in (bad, good):
        browser.post("/admin/mlops/mlmodel/", {"action": "activate", "_selected_action": [str(model.pk)]})
    assert list(MLModel.objects.filter(is_active=True)) == [good]


def test_a_schedule_saved_in_admin_gets_its_beat_row(browser) -> None:
    response = browser.post("/admin/mlops/retrainingschedule/add/", SCHEDULE_FORM)
    assert response.status_code == 302, response.content[:2000]
    schedule = RetrainingSchedule.objects.get()
    assert PeriodicTask.objects.get(name=f"ml:{schedule.pk}").enabled is True


def test_a_bad_cron_in_admin_is_a_field_error(browser) -> None:
    response = browser.post("/admin/mlops/retrainingschedule/add/", {**SCHEDULE_FORM, "cron": "99 99 * * *"})
    assert response.status_code == 200
    assert "Not a valid cron expression" in response.content.decode()
    assert not RetrainingSchedule.objects.exists()
