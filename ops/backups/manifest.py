"""The manifest an archive carries (manifest.json), pure: no Django.

It says what the archive holds and how to trust it: when and by which version it was written, the
database engine, every applied migration, each table's row count at the moment of the dump, the
SHA-256 and size of every other member, and the ids of the ENCRYPTION_KEYS the data's secrets
were encrypted under (the keys themselves are never in an archive).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import ArchiveTampered, BackupError

FORMAT = 1
NAME = "manifest.json"
_HASH_CHUNK = 1024 * 1024


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """What the database held at the instant of the dump."""

    engine: str  # "postgresql" or "sqlite"
    migrations: dict[str, list[str]]  # app label -> applied migration names, sorted
    row_counts: dict[str, int]  # table -> rows
    key_ids: list[str]  # ENCRYPTION_KEYS ids the stored secrets need


def build(
    *,
    backup_id: str,
    created_at: datetime,
    app_version: str,
    snapshot: Snapshot,
    members: Mapping[str, Path],
    file_groups: Mapping[str, str],
) -> dict[str, Any]:
    """`members`: name inside the archive -> the staged file; `file_groups`: the prefix of a group
    of files (`files/ml-artifacts/`) -> the setting that says where it is restored to."""
    return {
        "format": FORMAT,
        "backup_id": backup_id,
        "created_at": created_at.isoformat(),
        "app_version": app_version,
        "database": {
            "engine": snapshot.engine,
            "migrations": snapshot.migrations,
            "row_counts": snapshot.row_counts,
        },
        "encryption_key_ids": snapshot.key_ids,
        "file_groups": dict(file_groups),
        "members": {
            name: {"sha256": sha256_file(path), "size": path.stat().st_size}
            for name, path in sorted(members.items())
        },
    }


def dumps(manifest: Mapping[str, Any]) -> bytes:
    return json.dumps(manifest, indent=2, sort_keys=True).encode()


def loads(raw: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchiveTampered("The archive's manifest.json is not valid JSON.") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("members"), dict):
        raise ArchiveTampered("The archive's manifest.json is incomplete.")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Archive format {manifest.get('format')!r} is not one this version reads.")
    return manifest


def check_members(manifest: Mapping[str, Any], present: Mapping[str, Path]) -> None:
    """Every member listed is present with its size and SHA-256, and nothing else is."""
    listed: dict[str, dict[str, Any]] = manifest["members"]
    missing = sorted(set(listed) - set(present))
    extra = sorted(set(present) - set(listed))
    if missing:
        raise ArchiveTampered(f"The archive lacks {len(missing)} listed member(s), e.g. {missing[0]}.")
    if extra:
        raise ArchiveTampered(f"The archive holds {len(extra)} unlisted member(s), e.g. {extra[0]}.")
    for name, expected in listed.items():
        path = present[name]
        if path.stat().st_size != expected.get("size") or sha256_file(path) != expected.get("sha256"):
            raise ArchiveTampered(f"Checksum mismatch for {name}: the archive was changed or damaged.")


def unknown_migrations(archived: Mapping[str, Iterable[str]], on_disk: Mapping[str, set[str]]) -> list[str]:
    """`app.migration` names the archive's database has applied that this code does not have:
    the archive was written by a newer version."""
    return sorted(
        f"{app}.{name}"
        for app, names in archived.items()
        for name in names
        if name not in on_disk.get(app, ())
    )


def count_differences(expected: Mapping[str, int], actual: Mapping[str, int]) -> list[str]:
    """Human-readable differences between the manifest's row counts and a restored database's."""
    return [
        f"{table}: {expected.get(table, 'absent')} in the manifest, {actual.get(table, 'absent')} restored"
        for table in sorted(set(expected) | set(actual))
        if expected.get(table) != actual.get(table)
    ]
