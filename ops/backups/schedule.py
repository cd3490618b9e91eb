"""When backups run and which ones are kept: "back up now", the nightly backup, its verification,
retention, and the alert when a scheduled backup fails.

The beat calls `backup_if_due()` every minute. It starts at most one scheduled backup per UTC
day: the check and the new row happen under a lock on the schedule row, so a second beat
replica (or the same tick delivered twice) waits and then finds today's row.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from auditlog.services import record

from .models import Backup, BackupSchedule
from .retention import to_prune

logger = logging.getLogger(__name__)

QUEUED_STEP = "Queued"
# A backup still running after this long lost its worker; it is failed so the next one can start
# (the API refuses a second backup while one runs). A verification's in-flight mark expires then.
STALE_AFTER = timedelta(hours=6)
STALE_MESSAGE = "The backup stopped without finishing (its worker was lost); it is not usable."


class BackupAlreadyRunning(Exception):
    """Only one backup at a time: `running` is the one in progress."""

    def __init__(self, running: Backup) -> None:
        super().__init__("A backup is already running; wait for it to finish.")
        self.running = running


class NotVerifiable(Exception):
    """Only a finished, successful backup whose file is still here can be verified."""


def _locked_schedule() -> BackupSchedule:
    BackupSchedule.get()  # creates the row the first time, outside the lock
    return BackupSchedule.objects.select_for_update().get(pk=1)


def _midnight(moment: datetime) -> datetime:
    return datetime.combine(moment.astimezone(UTC).date(), time(0), tzinfo=UTC)


def _scheduled_today(now: datetime) -> bool:
    return Backup.objects.filter(
        trigger=Backup.Trigger.SCHEDULED,
        created_at__gte=_midnight(now),
        created_at__lt=_midnight(now) + timedelta(days=1),
    ).exists()


def next_run_at(schedule: BackupSchedule, *, now: datetime | None = None) -> datetime | None:
    """When the beat starts the next scheduled backup (None when the schedule is off). A day
    whose time has passed without its backup (the time was just moved earlier, or the beat was
    down) gets it within a minute: then this is `now`."""
    if not schedule.enabled:
        return None
    now = now or timezone.now()
    slot = datetime.combine(now.astimezone(UTC).date(), schedule.time_of_day, tzinfo=UTC)
    if _scheduled_today(now):
        return slot + timedelta(days=1)
    return max(slot, now)


def request_backup(*, trigger: str, requested_by: Any = None, request: HttpRequest | None = None) -> Backup:
    """Create a running Backup row and send it to a worker once committed. Raises
    BackupAlreadyRunning while another backup runs. A person's request is audited."""
    with transaction.atomic():
        _locked_schedule()  # serialises "is one running?" with creating one
        running = Backup.objects.filter(status=Backup.Status.RUNNING).first()
        if running is not None:
            raise BackupAlreadyRunning(running)
        person = requested_by if getattr(requested_by, "is_authenticated", False) else None
        backup = Backup.objects.create(trigger=trigger, requested_by=person, step=QUEUED_STEP)
        if person is not None:
            record(
                action="backup.create",
                actor=person,
                resource=backup,
                changes={"trigger": trigger},
                request=request,
            )
        transaction.on_commit(lambda: _send("run_backup", backup_id=str(backup.pk)))
    return backup


def _send(task: str, **kwargs: Any) -> None:
    from . import tasks  # tasks imports this module

    try:
        getattr(tasks, task).delay(**kwargs)
    except Exception:
        # The row stays running; the stale sweep in backup_if_due fails it so the next can start.
        logger.exception("could not enqueue backups task %s", task, extra={"category": "SYSTEM"})


def schedule_update(
    *, actor: Any, values: dict[str, Any], request: HttpRequest | None = None
) -> BackupSchedule:
    """Change the schedule (enabled, time_of_day, verify_after); audited with before and after."""
    with transaction.atomic():
        schedule = _locked_schedule()
        changes = {
            name: [getattr(schedule, name), value]
            for name, value in values.items()
            if getattr(schedule, name) != value
        }
        for name, value in values.items():
            setattr(schedule, name, value)
        schedule.save()
        record(
            action="backup.schedule.update", actor=actor, resource=schedule, changes=changes, request=request
        )
    return schedule


def backup_if_due(*, now: datetime | None = None) -> Backup | None:
    """The beat's minute: fail stale runs, start today's scheduled backup once it is time, and
    prune. Returns the backup it started, if any."""
    now = now or timezone.now()
    sweep_stale(now=now)
    started = None
    with transaction.atomic():
        schedule = _locked_schedule()
        slot = datetime.combine(now.astimezone(UTC).date(), schedule.time_of_day, tzinfo=UTC)
        if schedule.enabled and now >= slot and not _scheduled_today(now):
            try:
                started = request_backup(trigger=Backup.Trigger.SCHEDULED)
            except BackupAlreadyRunning:
                logger.info("scheduled backup waits: another backup is running")
    prune(now=now)
    return started


def backup_run(*, backup_id: Any) -> None:
    """The worker's part: claim the queued row (a message delivered twice runs it once), create
    the archive, then verify it when the schedule says so. A failed scheduled backup tells the
    admins."""
    from . import services  # B1's module; imported late so this module loads without it

    claimed = Backup.objects.filter(pk=backup_id, status=Backup.Status.RUNNING, step=QUEUED_STEP).update(
        step="Starting"
    )
    if not claimed:
        logger.info("backup %s is not queued (already run or gone); nothing to do", backup_id)
        return
    backup = Backup.objects.get(pk=backup_id)
    try:
        services.create_backup(backup)
    except Exception as exc:
        logger.exception("backup %s failed", backup_id, extra={"category": "SYSTEM"})
        Backup.objects.filter(pk=backup_id, status=Backup.Status.RUNNING).update(
            status=Backup.Status.FAILED, error=str(exc) or type(exc).__name__, finished_at=timezone.now()
        )
    backup.refresh_from_db()
    if backup.status == Backup.Status.FAILED:
        if backup.trigger == Backup.Trigger.SCHEDULED:
            _tell_admins(backup, title="Scheduled backup failed", message=backup.error or "No reason given.")
    elif backup.status == Backup.Status.SUCCEEDED and BackupSchedule.get().verify_after:
        cache.add(_verifying_key(backup.pk), 1, int(STALE_AFTER.total_seconds()))
        verify_run(backup_id=backup.pk)


def request_verify(*, backup: Backup, actor: Any = None, request: HttpRequest | None = None) -> Backup:
    """Mark a backup's verification pending and send it to a worker (the API's "verify")."""
    with transaction.atomic():
        locked = Backup.objects.select_for_update().get(pk=backup.pk)
        if locked.status != Backup.Status.SUCCEEDED or locked.pruned_at is not None:
            raise NotVerifiable("Only a successful backup whose file is kept can be verified.")
        if not cache.add(_verifying_key(locked.pk), 1, int(STALE_AFTER.total_seconds())):
            raise NotVerifiable("This backup is being verified already.")
        locked.verify_status, locked.verify_detail = Backup.Verify.PENDING, ""
        locked.save(update_fields=["verify_status", "verify_detail"])
        record(action="backup.verify", actor=actor, resource=locked, request=request)
        transaction.on_commit(lambda: _send("verify_backup", backup_id=str(locked.pk)))
    return locked


def verify_run(*, backup_id: Any) -> None:
    """Restore the backup into a scratch database (B1's services.verify_backup, which records the
    outcome on the row); a failed check of a scheduled backup tells the admins."""
    from . import services

    backup = Backup.objects.filter(pk=backup_id, status=Backup.Status.SUCCEEDED, pruned_at=None).first()
    if backup is None:
        logger.info("backup %s cannot be verified (not succeeded, pruned or gone)", backup_id)
        cache.delete(_verifying_key(backup_id))
        return
    try:
        passed = services.verify_backup(backup)
    except Exception as exc:
        logger.exception("verifying backup %s failed", backup_id, extra={"category": "SYSTEM"})
        Backup.objects.filter(pk=backup_id).update(
            verify_status=Backup.Verify.FAILED,
            verify_detail=str(exc) or type(exc).__name__,
            verified_at=timezone.now(),
        )
        passed = False
    finally:
        cache.delete(_verifying_key(backup_id))
    backup.refresh_from_db()
    if not passed and backup.trigger == Backup.Trigger.SCHEDULED:
        _tell_admins(
            backup,
            title="Backup verification failed",
            message=backup.verify_detail or "The test restore of last night's backup failed.",
        )


def _verifying_key(backup_id: Any) -> str:
    # A verification in flight (requested or running) holds this; it expires with a lost worker.
    return f"backups:verifying:{backup_id}"


def sweep_stale(*, now: datetime) -> int:
    cutoff = now - STALE_AFTER
    failed = Backup.objects.filter(status=Backup.Status.RUNNING, created_at__lt=cutoff).update(
        status=Backup.Status.FAILED, error=STALE_MESSAGE, finished_at=now
    )
    if failed:
        logger.warning("%d stale backup(s) marked failed", failed, extra={"category": "SYSTEM"})
    return failed


def prune(*, now: datetime | None = None) -> list[Backup]:
    """Delete the files (local and S3) that retention no longer keeps, and those of failed
    backups; the rows stay, with pruned_at set. A file that cannot be deleted now is tried again
    on the next run."""
    from . import services, storage

    now = now or timezone.now()
    kept_rows = Backup.objects.filter(pruned_at=None)
    succeeded = list(kept_rows.filter(status=Backup.Status.SUCCEEDED).values_list("pk", "created_at"))
    doomed = to_prune(
        succeeded,
        now=now,
        daily=settings.BACKUP_KEEP_DAILY,
        weekly=settings.BACKUP_KEEP_WEEKLY,
        monthly=settings.BACKUP_KEEP_MONTHLY,
    )
    failed_with_files = kept_rows.filter(status=Backup.Status.FAILED).filter(
        ~Q(file_name="") | ~Q(remote_key="")
    )
    pruned = []
    for backup in [*Backup.objects.filter(pk__in=doomed), *failed_with_files]:
        try:
            if backup.file_name:
                services.backup_path(backup).unlink(missing_ok=True)
            if backup.remote_key and storage.enabled():
                storage.delete(backup.remote_key)
        except Exception:
            logger.exception("could not prune backup %s; trying again next time", backup.pk)
            continue
        backup.pruned_at = now
        backup.save(update_fields=["pruned_at"])
        pruned.append(backup)
    if pruned:
        logger.info("backups pruned: %d", len(pruned), extra={"category": "SYSTEM"})
    return pruned


def _tell_admins(backup: Backup, *, title: str, message: str) -> None:
    # Imported here: notifications imports auditlog, which loads early (as error_spike_check does).
    from notifications.services.notify import notify_admins

    with transaction.atomic():
        notify_admins(
            "backup_failed",
            title=title,
            message=message[:2000],
            link="/manage/backups",
            data={"backup_id": str(backup.pk), "created_at": backup.created_at.isoformat()},
        )
