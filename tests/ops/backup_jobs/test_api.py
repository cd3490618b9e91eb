"""The backups admin API: admins back up, watch, download, verify and schedule; nobody else may."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.models import User
from auditlog.models import AuditLog
from config.celery import app as celery_app
from ops.backups.models import Backup, BackupSchedule
from tests.ops.backup_jobs import fakes

URL = "/api/v1/admin/backups"


@pytest.fixture(autouse=True)
def backup_dir(settings: Any, tmp_path: Path) -> Path:
    settings.BACKUP_DIR = str(tmp_path / "backups")
    settings.BACKUP_S3_BUCKET = ""
    settings.BACKUP_ENCRYPTION_KEY = ""
    return Path(settings.BACKUP_DIR)


@pytest.fixture
def admin(client_for: Callable[[User], APIClient], admin_user: User) -> APIClient:
    return client_for(admin_user)


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The queued work runs at commit, as a worker would run it: a quick archive, a passing check."""
    monkeypatch.setattr("ops.backups.services.create_backup", fakes.quick_backup)
    monkeypatch.setattr("ops.backups.services.verify_backup", fakes.passing_verify)
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def _done_backup() -> Backup:
    return fakes.quick_backup(Backup.objects.create(trigger=Backup.Trigger.SCHEDULED))


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", URL), ("post", URL), ("get", f"{URL}/schedule"), ("patch", f"{URL}/schedule")],
)
def test_a_trader_is_refused(
    client_for: Callable[[User], APIClient], trader: User, method: str, path: str
) -> None:
    assert getattr(client_for(trader), method)(path, {}).status_code == 403


def test_a_trader_cannot_download_a_backup(client_for: Callable[[User], APIClient], trader: User) -> None:
    backup = _done_backup()
    assert client_for(trader).get(f"{URL}/{backup.pk}/download").status_code == 403


def test_back_up_now_runs_and_is_listed_newest_first(
    admin: APIClient, admin_user: User, worker: None, django_capture_on_commit_callbacks: Any
) -> None:
    older = _done_backup()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(URL)
    assert response.status_code == 202
    assert response.json()["status"] == "running"
    assert response.json()["step"] == "Queued"
    rows = admin.get(URL).json()["results"]
    assert [row["id"] for row in rows] == [response.json()["id"], str(older.pk)]
    newest = rows[0]
    assert newest["status"] == "succeeded"
    assert newest["trigger"] == "manual"
    assert newest["requested_by"] == admin_user.email
    assert newest["verify_status"] == "passed"
    assert newest["uploaded"] is False
    assert newest["size_bytes"] > 0
    assert newest["download_url"] == f"{URL}/{newest['id']}/download"
    assert AuditLog.objects.filter(action="backup.create", actor=admin_user).count() == 1


def test_a_second_backup_while_one_runs_is_409(
    admin: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    Backup.objects.create(trigger=Backup.Trigger.SCHEDULED, step="Dumping the database")
    response = admin.post(URL)
    assert response.status_code == 409
    assert response.json()["code"] == "backup_running"
    assert "already running" in response.json()["detail"]


def test_one_backup_shows_its_progress(admin: APIClient) -> None:
    running = Backup.objects.create(trigger=Backup.Trigger.MANUAL, progress=40, step="Dumping the database")
    body = admin.get(f"{URL}/{running.pk}").json()
    assert (body["status"], body["progress"], body["step"], body["download_url"]) == (
        "running",
        40,
        "Dumping the database",
        None,
    )


def test_an_unknown_backup_is_404(admin: APIClient) -> None:
    assert admin.get(f"{URL}/7d6f0c55-3a55-4c1e-9a53-6f7c3c0f4d11").status_code == 404


def test_download_streams_the_archive_and_is_audited(admin: APIClient, admin_user: User) -> None:
    backup = _done_backup()
    response = admin.get(f"{URL}/{backup.pk}/download")
    assert response.status_code == 200
    assert f'filename="{backup.file_name}"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == fakes.file_of(backup).read_bytes()
    assert AuditLog.objects.filter(action="backup.download", resource_id=str(backup.pk)).exists()


def test_a_pruned_backup_cannot_be_downloaded(admin: APIClient) -> None:
    backup = _done_backup()
    from ops.backups.schedule import prune

    Backup.objects.filter(pk=backup.pk).update(status=Backup.Status.FAILED)
    prune()
    Backup.objects.filter(pk=backup.pk).update(status=Backup.Status.SUCCEEDED)
    assert admin.get(f"{URL}/{backup.pk}/download").status_code == 404
    assert admin.get(f"{URL}/{backup.pk}").json()["download_url"] is None


def test_verify_again(admin: APIClient, worker: None, django_capture_on_commit_callbacks: Any) -> None:
    backup = _done_backup()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"{URL}/{backup.pk}/verify")
    assert response.status_code == 202
    assert response.json()["verify_status"] == "pending"
    assert admin.get(f"{URL}/{backup.pk}").json()["verify_status"] == "passed"
    assert AuditLog.objects.filter(action="backup.verify").count() == 1


def test_verifying_twice_at_once_or_a_failed_backup_is_409(admin: APIClient) -> None:
    backup = _done_backup()
    assert admin.post(f"{URL}/{backup.pk}/verify").status_code == 202
    second = admin.post(f"{URL}/{backup.pk}/verify")
    assert second.status_code == 409
    assert second.json()["code"] == "not_verifiable"
    failed = Backup.objects.create(trigger=Backup.Trigger.MANUAL, status=Backup.Status.FAILED)
    assert admin.post(f"{URL}/{failed.pk}/verify").status_code == 409


@time_machine.travel(datetime(2026, 12, 6, 1, 0, tzinfo=UTC), tick=False)
def test_the_schedule_is_read_and_changed(
    client_for: Callable[[User], APIClient], admin_user: User, settings: Any
) -> None:
    admin = client_for(admin_user)  # logged in at the frozen time, so its token is valid then
    settings.BACKUP_ENCRYPTION_KEY = "k" * 44
    body = admin.get(f"{URL}/schedule").json()
    assert body["enabled"] is True
    assert body["time_of_day"] == "03:00"
    assert body["encryption"] is True
    assert body["s3"] is False
    assert body["keep"] == {"daily": 30, "weekly": 12, "monthly": 12}
    assert body["next_run_at"] == "2026-12-06T03:00:00Z"
    changed = admin.patch(f"{URL}/schedule", {"time_of_day": "04:15", "verify_after": False}, format="json")
    assert changed.status_code == 200
    assert changed.json()["time_of_day"] == "04:15"
    assert changed.json()["next_run_at"] == "2026-12-06T04:15:00Z"
    schedule = BackupSchedule.get()
    assert (schedule.time_of_day.hour, schedule.time_of_day.minute, schedule.verify_after) == (4, 15, False)
    entry = AuditLog.objects.get(action="backup.schedule.update")
    assert entry.actor == admin_user
    assert set(entry.changes) == {"time_of_day", "verify_after"}
    off = admin.patch(f"{URL}/schedule", {"enabled": False}, format="json").json()
    assert off["next_run_at"] is None


def test_a_bad_time_is_a_field_error(admin: APIClient) -> None:
    response = admin.patch(f"{URL}/schedule", {"time_of_day": "25:99"}, format="json")
    assert response.status_code == 400
    assert "time_of_day" in response.json()["errors"]
