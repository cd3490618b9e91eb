"""Putting an archive back: refuse what would do harm, then replace the database and the files.

Refused: a changed or damaged archive, one written by a newer version, one whose secrets need
encryption keys this installation lacks, and a database that holds data unless `force`. While it
runs the maintenance flag is set, so the trading dispatchers send nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from auditlog.services import record
from config import maintenance
from config.encryption import keyring

from . import dumps, encryption, files
from .errors import BackupError, DatabaseNotEmpty
from .manifest import sha256_file
from .models import Backup
from .verify import Progress, no_progress, open_archive, pending_migrations, refuse_newer


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    files: int
    pending_migrations: list[str]  # run `migrate` when there are any


def restore_archive(path: Path, *, force: bool = False, on_progress: Progress = no_progress) -> Restored:
    with open_archive(path, on_progress=on_progress) as opened:
        manifest = opened.manifest
        refuse_newer(manifest)
        _refuse_missing_keys(manifest)
        kind = manifest["database"]["engine"]
        dump_path = opened.members.get(dumps.DUMP_NAMES.get(kind, ""))
        if dump_path is None:
            raise BackupError(f"The archive has no database dump for engine {kind!r}.")
        if not force and (users := dumps.user_count()):
            raise DatabaseNotEmpty(
                f"The database is not empty: it holds {users} user(s) and their data. Restoring "
                "replaces all of it: run again with --force if that is what you want."
            )
        maintenance.begin(f"Restoring {path.name}")
        try:
            on_progress(40, "Restoring the database")
            dumps.restore_into_current(dump_path, kind)
            on_progress(80, "Restoring model artifacts and service logs")
            written = files.restore(opened.members)
            _settle_backup_rows(manifest, path)
            record(
                action="backup.restore",
                resource_type="backups.Backup",
                resource_id=manifest.get("backup_id", ""),
                changes={"archive": path.name, "created_at": manifest.get("created_at"), "force": force},
            )
        finally:
            maintenance.end()
        on_progress(100, "Restored")
        return Restored(manifest=manifest, files=written, pending_migrations=pending_migrations(manifest))


def _refuse_missing_keys(manifest: dict[str, Any]) -> None:
    """The dump holds ciphertext only: without the key ids it needs, every exchange key would be
    unreadable after the restore."""
    needed = set(manifest.get("encryption_key_ids", []))
    missing = sorted(needed - set(keyring().keys))
    if missing:
        raise BackupError(
            f"The archive's secrets are encrypted under key id(s) {', '.join(missing)}, which "
            "ENCRYPTION_KEYS does not have here. Add them (the keys you kept with the old installation) "
            "and run the restore again."
        )


def _settle_backup_rows(manifest: dict[str, Any], path: Path) -> None:
    """The dump was taken while its own backup was running: mark that one done, and any other
    backup caught mid-run as interrupted (its process is not running any more)."""
    created = datetime.fromisoformat(manifest["created_at"]) if manifest.get("created_at") else timezone.now()
    own: dict[str, Any] = {"status": Backup.Status.SUCCEEDED, "progress": 100, "step": "Done"}
    own["finished_at"] = created
    if path.resolve().parent == Path(settings.BACKUP_DIR).resolve():
        # The file it was restored from is this backup's file as stored.
        own |= {"file_name": path.name, "size_bytes": path.stat().st_size, "sha256": sha256_file(path)}
        own["encrypted"] = encryption.is_encrypted(path)
    Backup.objects.filter(pk=manifest.get("backup_id"), status=Backup.Status.RUNNING).update(**own)
    Backup.objects.filter(status=Backup.Status.RUNNING).update(
        status=Backup.Status.FAILED,
        step="Interrupted",
        error="Interrupted: the database was restored from a backup taken while this one ran.",
        finished_at=timezone.now(),
    )
