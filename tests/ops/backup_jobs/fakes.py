"""Stand-ins for the archive work (helper code for the schedule, retention and API tests): a
backup that writes a small file in BACKUP_DIR in no time, or fails, and a verification that
passes. The schedule's own code (rows, locks, retention, notifications) runs for real."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils import timezone

from ops.backups.models import Backup
from ops.backups.services import backup_path


def quick_backup(backup: Backup, on_progress: Callable[..., Any] | None = None) -> Backup:
    backup.file_name = f"tradefleet-{backup.created_at:%Y%m%d-%H%M%S}-{backup.pk.hex[:8]}.tar"
    path = backup_path(backup)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"archive of " + backup.created_at.isoformat().encode())
    backup.size_bytes = path.stat().st_size
    backup.status, backup.progress, backup.step = Backup.Status.SUCCEEDED, 100, "Done"
    backup.finished_at = timezone.now()
    backup.save()
    return backup


def failing_backup(backup: Backup, on_progress: Callable[..., Any] | None = None) -> Backup:
    raise OSError("pg_dump: connection refused")


def passing_verify(backup: Backup) -> bool:
    Backup.objects.filter(pk=backup.pk).update(
        verify_status=Backup.Verify.PASSED, verified_at=timezone.now(), verify_detail="Restored and checked."
    )
    return True


def file_of(backup: Backup) -> Path:
    return backup_path(backup)
