"""Fixtures of the backup tests: private backup, artifact and var directories, a populated
database, and a per-table fingerprint (row count and content hash) to compare before and after."""

from __future__ import annotations

import hashlib
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from config import maintenance
from ops.backups import archive, services
from ops.backups.models import Backup


@pytest.fixture(autouse=True)
def backup_dirs(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    settings.BACKUP_DIR = str(tmp_path / "backups")
    settings.BACKUP_ENCRYPTION_KEY = ""
    settings.BACKUP_S3_BUCKET = ""
    settings.ML_ARTIFACTS_DIR = str(tmp_path / "ml-artifacts")
    # var/ holds the per-user service logs and, beside them, the generated secrets.
    monkeypatch.setenv("TRADEFLEET_VAR_DIR", str(tmp_path / "var"))
    yield {
        "backups": tmp_path / "backups",
        "artifacts": tmp_path / "ml-artifacts",
        "var": tmp_path / "var",
        "logs": tmp_path / "var" / "logs" / "users",
    }
    maintenance.end()


def fingerprint() -> dict[str, tuple[int, str]]:
    """Every table: its row count and a hash of its rows' content, independent of row order."""
    result = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows = sorted(repr(row) for row in cursor.fetchall())
            result[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return result


@pytest.fixture
def make_backup() -> Callable[[], Backup]:
    def make() -> Backup:
        backup = services.create_backup(Backup.objects.create(trigger=Backup.Trigger.CLI))
        assert backup.status == Backup.Status.SUCCEEDED, backup.error
        return backup

    return make


def rewrite_manifest(path: Path, change: Callable[[dict[str, Any]], None], workdir: Path) -> Path:
    """A copy of the archive with its manifest changed and every checksum valid again: what a
    newer (or older) version of the app would have written."""
    opened = archive.open_checked(path, workdir / "in")
    change(opened.manifest)
    out = workdir / f"rewritten-{path.name}"
    staging = workdir / "staging"
    staging.mkdir()
    archive.write(out, manifest=opened.manifest, members=opened.members, staging=staging)
    return out


def member_names(path: Path) -> list[str]:
    with tarfile.open(path, "r:") as tar:
        return tar.getnames()


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
