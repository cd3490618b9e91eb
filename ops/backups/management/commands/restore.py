"""`manage.py restore ARCHIVE [--force]`: replace the database and files with an archive's.

Stop beat and the workers first (docs/operations/backups.md); the maintenance flag this sets
only keeps trading's dispatchers quiet meanwhile.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.backups import services
from ops.backups.errors import BackupError
from ops.backups.progress_bar import progress_bar

from .backup_verify import archive_path


class Command(BaseCommand):
    help = "Restore a backup archive into this installation's database and files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="The archive's path, or its file name in BACKUP_DIR.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that already holds data (all of it is lost).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = archive_path(options["archive"])
        try:
            with progress_bar(enabled=not options["no_progress"]) as update:
                restored = services.restore_archive(path, force=options["force"], on_progress=update)
        except BackupError as exc:
            raise CommandError(f"Restore refused: {exc}") from exc
        manifest = restored.manifest
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {path.name} (written {manifest.get('created_at')} by version "
                f"{manifest.get('app_version')}): {len(manifest['database']['row_counts'])} tables, "
                f"{restored.files} file(s)."
            )
        )
        if restored.pending_migrations:
            self.stdout.write(
                self.style.WARNING(
                    f"The archive predates {len(restored.pending_migrations)} migration(s): "
                    "run `manage.py migrate` before starting the platform."
                )
            )
