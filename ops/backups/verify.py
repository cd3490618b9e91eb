"""Proving an archive restores: every checksum, then a scratch restore compared with the manifest.

`open_archive` is shared with restore.py: decrypt when needed, check the whole-file footer,
extract, check each member. Nothing is restored from an archive that fails any of that.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.migrations.loader import MigrationLoader

from . import archive, dumps, encryption
from .errors import ArchiveTooNew, BackupError
from .manifest import count_differences, unknown_migrations

Progress = Callable[[int, str], None]


def no_progress(percent: int, step: str) -> None:
    return None


WORK_PREFIXES = (".work-", ".open-", ".fetch-")
# A work folder this old was left by a process that was killed; nothing still uses it.
STALE_WORK_SECONDS = 24 * 3600


def work_dir() -> Path:
    """Scratch space next to the backups (archives can be larger than /tmp), with the folders
    that killed runs left behind removed."""
    root = Path(settings.BACKUP_DIR)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    cutoff = time.time() - STALE_WORK_SECONDS
    for entry in root.iterdir():
        if entry.name.startswith(WORK_PREFIXES) and entry.is_dir() and entry.stat().st_mtime < cutoff:
            shutil.rmtree(entry, ignore_errors=True)
    return root


@contextmanager
def open_archive(path: Path, *, on_progress: Progress = no_progress) -> Iterator[archive.Opened]:
    if not path.is_file():
        raise BackupError(f"No archive at {path}.")
    with tempfile.TemporaryDirectory(dir=work_dir(), prefix=".open-") as tmp:
        workdir = Path(tmp)
        plain = path
        if encryption.is_encrypted(path):
            key = settings.BACKUP_ENCRYPTION_KEY
            if not key:
                raise BackupError(
                    "The archive is encrypted: set BACKUP_ENCRYPTION_KEY to the key that wrote it."
                )
            on_progress(5, "Decrypting the archive")
            plain = workdir / "archive.tar"
            encryption.decrypt_file(path, plain, key)
        on_progress(10, "Checking every checksum")
        extracted = workdir / "members"
        extracted.mkdir()
        yield archive.open_checked(plain, extracted)


def disk_migrations() -> dict[str, set[str]]:
    """Per app, the migrations this code has, including those a squashed one replaces."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known: dict[str, set[str]] = {}
    for (app, name), migration in loader.disk_migrations.items():
        known.setdefault(app, set()).add(name)
        for replaced_app, replaced_name in migration.replaces:
            known.setdefault(replaced_app, set()).add(replaced_name)
    return known


def refuse_newer(manifest: dict[str, Any]) -> None:
    newer = unknown_migrations(manifest["database"]["migrations"], disk_migrations())
    if newer:
        shown = ", ".join(newer[:5]) + (" ..." if len(newer) > 5 else "")
        raise ArchiveTooNew(
            f"The archive was written by a newer version of Tradefleet ({manifest.get('app_version', '?')}): "
            f"its database has {len(newer)} migration(s) this code does not know ({shown}). "
            "Upgrade this installation first, then restore."
        )


def pending_migrations(manifest: dict[str, Any]) -> list[str]:
    """Migrations this code has that the archive's database had not applied (an older archive)."""
    archived = {app: set(names) for app, names in manifest["database"]["migrations"].items()}
    return sorted(
        f"{app}.{name}"
        for app, names in disk_migrations().items()
        for name in names
        if name not in archived.get(app, set())
    )


@dataclass(frozen=True)
class Report:
    tables: int
    rows: int
    members: int
    notes: list[str]

    def summary(self) -> str:
        text = (
            f"Every checksum matched ({self.members} member(s)); the scratch restore has "
            f"{self.tables} tables and {self.rows} rows, as the manifest says."
        )
        return " ".join([text, *self.notes])


def verify_archive(path: Path, *, on_progress: Progress = no_progress) -> Report:
    """Raise ArchiveTampered, ArchiveTooNew or BackupError with the reason; return a report."""
    with open_archive(path, on_progress=on_progress) as opened:
        manifest = opened.manifest
        refuse_newer(manifest)
        kind = manifest["database"]["engine"]
        dump_name = dumps.DUMP_NAMES.get(kind)
        if dump_name not in opened.members:
            raise BackupError(f"The archive has no database dump for engine {kind!r}.")
        on_progress(30, "Restoring into a scratch database")
        with dumps.scratch(opened.members[dump_name], kind, opened.members[dump_name].parent) as target:
            on_progress(70, "Comparing row counts with the manifest")
            differences = count_differences(manifest["database"]["row_counts"], target.row_counts)
            if differences:
                shown = "; ".join(differences[:10])
                raise BackupError(f"The scratch restore's row counts differ from the manifest: {shown}")
            on_progress(80, "Checking migrations against the scratch database")
            problem = dumps.migrate_check(target)
        notes: list[str] = []
        pending = pending_migrations(manifest)
        if pending:
            notes.append(
                f"It predates {len(pending)} migration(s) of this code: run `migrate` after restoring it."
            )
        elif problem:
            raise BackupError(f"`migrate --check` failed against the scratch restore: {problem}")
        counts = manifest["database"]["row_counts"]
        on_progress(100, "Verified")
        return Report(tables=len(counts), rows=sum(counts.values()), members=len(opened.members), notes=notes)
