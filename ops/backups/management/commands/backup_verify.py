"""`manage.py backup_verify ARCHIVE`: check every checksum and restore into a scratch database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.backups import services
from ops.backups.errors import BackupError
from ops.backups.models import Backup
from ops.backups.progress_bar import progress_bar
from ops.backups.verify import verify_archive


def archive_path(value: str) -> Path:
    """A path, or the name of an archive in BACKUP_DIR."""
    path = Path(value)
    if not path.exists() and (Path(settings.BACKUP_DIR) / value).exists():
        return Path(settings.BACKUP_DIR) / value
    return path


class Command(BaseCommand):
    help = "Verify a backup archive: every checksum, then a restore into a scratch database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="The archive's path, or its file name in BACKUP_DIR.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = archive_path(options["archive"])
        backup = None
        if path.resolve().parent == Path(settings.BACKUP_DIR).resolve():
            backup = Backup.objects.filter(file_name=path.name).first()
        with progress_bar(enabled=not options["no_progress"]) as update:
            if backup is not None:
                # A backup this installation knows: the outcome is recorded on it as well.
                if not services.verify_backup(backup, on_progress=update):
                    raise CommandError(f"Verification failed: {backup.verify_detail}")
                detail = backup.verify_detail
            else:
                try:
                    detail = verify_archive(path, on_progress=update).summary()
                except BackupError as exc:
                    raise CommandError(f"Verification failed: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"{path.name}: verified. {detail}"))
