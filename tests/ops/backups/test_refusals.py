"""What verify and restore refuse, with a message an operator can act on, leaving the database as
it was: a changed archive, one from a newer version, a database that holds data."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from config import maintenance
from ops.backups import services
from ops.backups.errors import ArchiveTampered, ArchiveTooNew, DatabaseNotEmpty
from ops.backups.models import Backup
from ops.backups.verify import verify_archive
from tests.factories import UserFactory
from tests.ops.backups.conftest import flip_byte, rewrite_manifest


@pytest.fixture
def archive_path(backup_dirs, make_backup) -> Path:
    UserFactory(email="kept@example.com")
    return services.backup_path(make_backup())


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("where", ["start", "middle", "footer digit", "footer end"])
def test_one_changed_byte_anywhere_is_refused_by_verify_and_restore(archive_path, where):
    size = archive_path.stat().st_size
    # The footer's last hex digit may flip to another digit (a checksum mismatch) or to a
    # non-digit (an unreadable footer); its final newline always makes it unreadable.
    flip_byte(
        archive_path,
        {"start": 0, "middle": size // 2, "footer digit": size - 2, "footer end": size - 1}[where],
    )

    with pytest.raises(ArchiveTampered, match="changed or damaged"):
        verify_archive(archive_path)
    with pytest.raises(ArchiveTampered):
        services.restore_archive(archive_path, force=True)
    with pytest.raises(CommandError, match=r"Verification failed: .*changed or damaged"):
        call_command("backup_verify", str(archive_path), "--no-progress")
    with pytest.raises(CommandError, match=r"Restore refused: .*changed or damaged"):
        call_command("restore", str(archive_path), "--force", "--no-progress")
    assert User.objects.filter(email="kept@example.com").exists()
    assert maintenance.active() is None


@pytest.mark.django_db(transaction=True)
def test_a_changed_byte_in_a_known_backup_fails_its_verification_on_the_row(archive_path):
    backup = Backup.objects.get()
    flip_byte(archive_path, archive_path.stat().st_size // 3)
    assert services.verify_backup(backup) is False
    backup.refresh_from_db()
    assert backup.verify_status == Backup.Verify.FAILED
    assert "SHA-256" in backup.verify_detail
    assert backup.verified_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_changed_byte_in_an_encrypted_archive_is_refused(backup_dirs, settings, make_backup):
    settings.BACKUP_ENCRYPTION_KEY = "e" * 43
    path = services.backup_path(make_backup())
    flip_byte(path, path.stat().st_size // 2)
    with pytest.raises(ArchiveTampered, match="authentication"):
        verify_archive(path)
    with pytest.raises(ArchiveTampered):
        services.restore_archive(path, force=True)


@pytest.mark.django_db(transaction=True)
def test_an_archive_from_a_newer_version_is_refused_by_restore_even_with_force(archive_path, tmp_path):
    def from_the_future(manifest: dict) -> None:
        manifest["app_version"] = "9.0.0"
        manifest["database"]["migrations"]["accounts"].append("9999_from_the_future")

    newer = rewrite_manifest(archive_path, from_the_future, tmp_path / "rewrite")
    User.objects.all().delete()

    with pytest.raises(ArchiveTooNew, match=r"newer version .*accounts\.9999_from_the_future"):
        services.restore_archive(newer, force=True)
    with pytest.raises(CommandError, match="Upgrade this installation first"):
        call_command("restore", str(newer), "--no-progress")
    assert not User.objects.exists()  # nothing was restored


@pytest.mark.django_db(transaction=True)
def test_restore_into_a_database_with_data_needs_force(archive_path):
    UserFactory(email="added-after@example.com")

    with pytest.raises(DatabaseNotEmpty, match="2 user"):
        services.restore_archive(archive_path)
    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(archive_path), "--no-progress")
    assert User.objects.filter(email="added-after@example.com").exists()

    call_command("restore", str(archive_path), "--force", "--no-progress")
    assert list(User.objects.values_list("email", flat=True)) == ["kept@example.com"]


@pytest.mark.django_db(transaction=True)
def test_restore_needs_the_encryption_key_ids_the_data_was_written_under(archive_path, tmp_path):
    def other_key(manifest: dict) -> None:
        manifest["encryption_key_ids"] = ["old-key"]

    changed = rewrite_manifest(archive_path, other_key, tmp_path / "rewrite")
    with pytest.raises(CommandError, match=r"key id\(s\) old-key"):
        call_command("restore", str(changed), "--force", "--no-progress")
