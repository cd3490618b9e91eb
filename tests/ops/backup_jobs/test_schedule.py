"""The nightly backup: started once a day at the admin's time, verified, pruned to 30/12/12, and
the admins told when it fails."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection

from accounts.models import Role
from config.celery import app as celery_app
from notifications.models import Notification
from ops.backups import schedule
from ops.backups.models import Backup, BackupSchedule
from tests.factories import UserFactory
from tests.ops.backup_jobs import fakes


@pytest.fixture(autouse=True)
def backup_dir(settings: Any, tmp_path: Path) -> Path:
    settings.BACKUP_DIR = str(tmp_path / "backups")
    settings.BACKUP_S3_BUCKET = ""
    return Path(settings.BACKUP_DIR)


@pytest.fixture
def eager_celery() -> Iterator[None]:
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_eager_propagates = False


@pytest.fixture
def quick_backups(monkeypatch: pytest.MonkeyPatch, eager_celery: None) -> None:
    monkeypatch.setattr("ops.backups.services.create_backup", fakes.quick_backup)
    monkeypatch.setattr("ops.backups.services.verify_backup", fakes.passing_verify)


def _tick(at: datetime, django_capture_on_commit_callbacks: Any) -> Backup | None:
    """One beat minute at `at`, with the work it enqueues run as a worker would."""
    with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
        return schedule.backup_if_due()


def test_nothing_starts_before_the_time_of_day(
    db: None, quick_backups: None, django_capture_on_commit_callbacks: Any
) -> None:
    BackupSchedule.objects.update_or_create(pk=1, defaults={"time_of_day": time(3, 0)})
    assert _tick(datetime(2026, 12, 6, 2, 59, tzinfo=UTC), django_capture_on_commit_callbacks) is None
    assert not Backup.objects.exists()


def test_the_backup_starts_at_the_time_of_day_once_however_often_the_beat_ticks(
    db: None, quick_backups: None, django_capture_on_commit_callbacks: Any
) -> None:
    BackupSchedule.objects.update_or_create(pk=1, defaults={"time_of_day": time(3, 0)})
    started = _tick(datetime(2026, 12, 6, 3, 0, 20, tzinfo=UTC), django_capture_on_commit_callbacks)
    for minute in range(1, 5):
        assert _tick(datetime(2026, 12, 6, 3, minute, tzinfo=UTC), django_capture_on_commit_callbacks) is None
    assert started is not None
    backup = Backup.objects.get()
    assert (backup.trigger, backup.status, backup.verify_status) == ("scheduled", "succeeded", "passed")
    assert fakes.file_of(backup).is_file()


def test_a_disabled_schedule_starts_nothing(
    db: None, quick_backups: None, django_capture_on_commit_callbacks: Any
) -> None:
    BackupSchedule.objects.update_or_create(pk=1, defaults={"enabled": False})
    assert _tick(datetime(2026, 12, 6, 12, 0, tzinfo=UTC), django_capture_on_commit_callbacks) is None
    assert schedule.next_run_at(BackupSchedule.get()) is None


def test_without_verify_after_the_backup_is_not_verified(
    db: None, quick_backups: None, django_capture_on_commit_callbacks: Any
) -> None:
    BackupSchedule.objects.update_or_create(pk=1, defaults={"verify_after": False})
    _tick(datetime(2026, 12, 6, 4, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    assert Backup.objects.get().verify_status == "pending"


def test_next_run_is_tomorrow_once_today_is_done(
    db: None, quick_backups: None, django_capture_on_commit_callbacks: Any
) -> None:
    BackupSchedule.objects.update_or_create(pk=1, defaults={"time_of_day": time(3, 30)})
    before = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
    assert schedule.next_run_at(BackupSchedule.get(), now=before) == datetime(2026, 12, 6, 3, 30, tzinfo=UTC)
    _tick(datetime(2026, 12, 6, 3, 30, tzinfo=UTC), django_capture_on_commit_callbacks)
    after = datetime(2026, 12, 6, 3, 31, tzinfo=UTC)
    assert schedule.next_run_at(BackupSchedule.get(), now=after) == datetime(2026, 12, 7, 3, 30, tzinfo=UTC)


def test_a_failed_scheduled_backup_tells_every_admin(
    db: None, eager_celery: None, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    admins = [UserFactory(role=Role.ADMIN), UserFactory(role=Role.ADMIN)]
    trader = UserFactory(role=Role.TRADER)
    monkeypatch.setattr("ops.backups.services.create_backup", fakes.failing_backup)
    _tick(datetime(2026, 12, 6, 3, 1, tzinfo=UTC), django_capture_on_commit_callbacks)
    backup = Backup.objects.get()
    assert backup.status == "failed"
    assert "connection refused" in backup.error
    told = Notification.objects.filter(type="backup_failed")
    assert sorted(n.user_id for n in told) == sorted(a.pk for a in admins)
    assert not told.filter(user=trader).exists()
    assert "connection refused" in told.first().message


def test_a_failed_verification_of_the_nightly_backup_tells_the_admins(
    db: None, eager_celery: None, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    admin = UserFactory(role=Role.ADMIN)

    def tampered(backup: Backup) -> bool:
        Backup.objects.filter(pk=backup.pk).update(
            verify_status=Backup.Verify.FAILED, verify_detail="checksum differs"
        )
        return False

    monkeypatch.setattr("ops.backups.services.create_backup", fakes.quick_backup)
    monkeypatch.setattr("ops.backups.services.verify_backup", tampered)
    _tick(datetime(2026, 12, 6, 3, 1, tzinfo=UTC), django_capture_on_commit_callbacks)
    told = Notification.objects.get(type="backup_failed", user=admin)
    assert told.title == "Backup verification failed"
    assert told.message == "checksum differs"
    assert told.link == "/manage/backups"


def test_a_failed_manual_backup_tells_no_one(
    db: None, eager_celery: None, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    UserFactory(role=Role.ADMIN)
    monkeypatch.setattr("ops.backups.services.create_backup", fakes.failing_backup)
    with django_capture_on_commit_callbacks(execute=True):
        schedule.request_backup(trigger=Backup.Trigger.MANUAL)
    assert Backup.objects.get().status == "failed"
    assert not Notification.objects.exists()


def test_a_backup_stuck_running_is_failed_so_the_next_can_start(
    db: None, quick_backups: None, django_capture_on_commit_callbacks: Any
) -> None:
    stuck = Backup.objects.create(
        trigger=Backup.Trigger.MANUAL, created_at=datetime(2026, 12, 5, 20, 0, tzinfo=UTC), step="Dumping"
    )
    started = _tick(datetime(2026, 12, 6, 3, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    stuck.refresh_from_db()
    assert stuck.status == "failed"
    assert "worker was lost" in stuck.error
    assert started is not None


def test_a_queued_backup_delivered_twice_runs_once(
    db: None, quick_backups: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[Any] = []
    monkeypatch.setattr(
        "ops.backups.services.create_backup",
        lambda b, on_progress=None: runs.append(b) or fakes.quick_backup(b),
    )
    backup = Backup.objects.create(trigger=Backup.Trigger.MANUAL, step=schedule.QUEUED_STEP)
    schedule.backup_run(backup_id=backup.pk)
    schedule.backup_run(backup_id=backup.pk)
    assert len(runs) == 1


@pytest.mark.django_db(transaction=True)
def test_two_beat_replicas_at_the_same_minute_start_one_backup(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(schedule, "_send", lambda task, **kwargs: sent.append(kwargs))
    BackupSchedule.get()
    barrier = threading.Barrier(2)
    at = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)

    def beat() -> None:
        try:
            barrier.wait(timeout=5)
            schedule.backup_if_due(now=at)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert Backup.objects.filter(trigger="scheduled").count() == 1
    assert len(sent) == 1


# --- retention over a year ---------------------------------------------------------------------
def _expected_kept(today: date) -> set[date]:
    """30 days, the newest of 12 ISO weeks and of 12 months, written out the long way."""
    daily = {today - timedelta(days=n) for n in range(30)}
    weekly = {today}  # a Sunday: the current week's newest
    weekly |= {today - timedelta(days=7 * n) for n in range(1, 12)}  # the Sundays before
    monthly = {today}
    first = today.replace(day=1)
    for _ in range(11):
        first = (first - timedelta(days=1)).replace(day=1)
        next_first = (first + timedelta(days=32)).replace(day=1)
        monthly.add(next_first - timedelta(days=1))  # that month's last day
    return daily | weekly | monthly


def test_retention_keeps_exactly_30_daily_12_weekly_12_monthly_over_a_simulated_year(
    db: None, quick_backups: None, django_capture_on_commit_callbacks: Any
) -> None:
    BackupSchedule.objects.update_or_create(pk=1, defaults={"time_of_day": time(3, 0), "verify_after": False})
    first, last = date(2025, 12, 1), date(2026, 12, 6)  # 2026-12-06 is a Sunday
    day = first
    while day <= last:
        for minute in (0, 1):  # the beat ticks more than once after the time: one backup a day
            _tick(datetime.combine(day, time(3, minute, 30), tzinfo=UTC), django_capture_on_commit_callbacks)
        day += timedelta(days=1)

    backups = Backup.objects.all()
    assert backups.count() == (last - first).days + 1
    kept = backups.filter(pruned_at=None)
    kept_dates = {b.created_at.date() for b in kept}
    assert kept_dates == _expected_kept(last)
    assert kept.count() == 47  # 30 days + 7 older week-ends + 10 older month-ends
    on_disk = {p.name for p in Path(fakes.file_of(kept.first()).parent).iterdir()}
    assert on_disk == {b.file_name for b in kept}
    assert all(b.pruned_at is not None for b in backups.exclude(pk__in=kept))


def test_a_failed_backups_leftover_file_is_pruned(db: None, quick_backups: None) -> None:
    backup = fakes.quick_backup(Backup.objects.create(trigger=Backup.Trigger.MANUAL))
    Backup.objects.filter(pk=backup.pk).update(status=Backup.Status.FAILED)
    pruned = schedule.prune()
    assert [b.pk for b in pruned] == [backup.pk]
    assert not fakes.file_of(backup).exists()
