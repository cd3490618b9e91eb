"""`manage.py backup`: write a backup archive now (docs/operations/backups.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.backups import services
from ops.backups.models import Backup
from ops.backups.progress_bar import progress_bar


class Command(BaseCommand):
    help = "Back up the database, model artifacts and service logs into one archive in BACKUP_DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--verify", action="store_true", help="Restore it into a scratch database afterwards."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for cron and logs).")

    def handle(self, *args: Any, **options: Any) -> None:
        running = Backup.objects.filter(status=Backup.Status.RUNNING).first()
        if running is not None:
            started = f"{running.created_at:%Y-%m-%d %H:%M} UTC"
            raise CommandError(f"A backup is already running (started {started}).")
        backup = Backup.objects.create(trigger=Backup.Trigger.CLI)
        with progress_bar(enabled=not options["no_progress"]) as update:
            services.create_backup(backup, on_progress=update)
        if backup.status != Backup.Status.SUCCEEDED:
            raise CommandError(f"Backup failed: {backup.error}")
        path = services.backup_path(backup)
        self.stdout.write(f"Backup written: {path} ({backup.size_bytes} bytes, SHA-256 {backup.sha256})")
        if backup.remote_key:
            self.stdout.write(f"Copied to S3: {backup.remote_key}")
        if backup.error:
            self.stderr.write(self.style.WARNING(backup.error))
        if options["verify"]:
            with progress_bar(enabled=not options["no_progress"]) as update:
                passed = services.verify_backup(backup, on_progress=update)
            if not passed:
                raise CommandError(f"Verification failed: {backup.verify_detail}")
            self.stdout.write(self.style.SUCCESS(f"Verified: {backup.verify_detail}"))
