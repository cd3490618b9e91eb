"""The manifest's pure checks: which migrations make an archive too new, which row counts differ,
and that a member that is missing, extra or changed is named."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ops.backups import manifest
from ops.backups.errors import ArchiveTampered


def test_migrations_the_code_does_not_have_make_the_archive_newer():
    archived = {"accounts": ["0001_initial", "0002_more"], "backups": ["0001_initial"]}
    on_disk = {"accounts": {"0001_initial"}, "backups": {"0001_initial"}}
    assert manifest.unknown_migrations(archived, on_disk) == ["accounts.0002_more"]
    assert manifest.unknown_migrations({"accounts": ["0001_initial"]}, on_disk) == []


def test_an_app_the_code_does_not_have_makes_the_archive_newer():
    assert manifest.unknown_migrations({"newapp": ["0001_initial"]}, {}) == ["newapp.0001_initial"]


def test_count_differences_name_the_table_and_both_counts():
    assert manifest.count_differences({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 0}) == [
        "b: 2 in the manifest, 3 restored",
        "c: absent in the manifest, 0 restored",
    ]


def _built(tmp_path: Path) -> tuple[dict, dict[str, Path]]:
    member = tmp_path / "dump"
    member.write_bytes(b"database bytes")
    snapshot = manifest.Snapshot(engine="sqlite", migrations={}, row_counts={"t": 1}, key_ids=["k1"])
    members = {"database/db.sqlite3": member}
    built = manifest.build(
        backup_id="b",
        created_at=datetime(2026, 12, 6, tzinfo=UTC),
        app_version="0.1.0",
        snapshot=snapshot,
        members=members,
        file_groups={},
    )
    return manifest.loads(manifest.dumps(built)), members


def test_members_pass_when_unchanged(tmp_path):
    built, members = _built(tmp_path)
    manifest.check_members(built, members)


def test_a_changed_member_is_named(tmp_path):
    built, members = _built(tmp_path)
    members["database/db.sqlite3"].write_bytes(b"database bytez")
    with pytest.raises(ArchiveTampered, match=r"Checksum mismatch for database/db\.sqlite3"):
        manifest.check_members(built, members)


def test_a_missing_or_extra_member_is_named(tmp_path):
    built, members = _built(tmp_path)
    with pytest.raises(ArchiveTampered, match="lacks 1 listed member"):
        manifest.check_members(built, {})
    with pytest.raises(ArchiveTampered, match="unlisted member"):
        manifest.check_members(built, {**members, "files/extra": members["database/db.sqlite3"]})
