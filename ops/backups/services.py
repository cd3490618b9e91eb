"""Backups' use cases: write an archive for a Backup row, verify one, restore one.

`create_backup` runs the work for a row already in status running (schedule.py creates it for the
beat and the API, the `backup` command for the CLI) and records its progress on the row as it
goes. The archive is encrypted when BACKUP_ENCRYPTION_KEY is set and copied to S3 when storage is
configured.
"""

from __future__ import annotations

import logging
import os
import tempfile
import tomllib
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from . import archive, dumps, encryption, files, storage
from .errors import ArchiveTampered, BackupError
from .manifest import build, sha256_file
from .models import Backup
from .restore import Restored
from .restore import restore_archive as _restore_archive
from .verify import Progress, no_progress, verify_archive, work_dir

logger = logging.getLogger(__name__)

__all__ = ["backup_path", "create_backup", "restore_archive", "verify_backup"]


def backup_path(backup: Backup) -> Path:
    return Path(settings.BACKUP_DIR) / backup.file_name


def app_version() -> str:
    with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as handle:
        return str(tomllib.load(handle).get("project", {}).get("version", "unknown"))


def _reporter(backup: Backup, on_progress: Progress | None) -> Callable[[int, str], None]:
    def report(percent: int, step: str) -> None:
        backup.progress, backup.step = percent, step
        Backup.objects.filter(pk=backup.pk).update(progress=percent, step=step)
        if on_progress is not None:
            on_progress(percent, step)

    return report


def _file_name(backup: Backup, *, encrypted: bool) -> str:
    stamp = backup.created_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"tradefleet-backup-{stamp}-{backup.pk.hex[:8]}.tar{'.enc' if encrypted else ''}"


def _summary(manifest: dict[str, Any]) -> dict[str, Any]:
    """What the row keeps of the manifest: everything but the per-file checksums."""
    members = manifest["members"]
    return {
        **{key: value for key, value in manifest.items() if key != "members"},
        "member_count": len(members),
        "member_bytes": sum(member["size"] for member in members.values()),
    }


def create_backup(backup: Backup, on_progress: Progress | None = None) -> Backup:
    """Write the archive for `backup` (status running). Ends succeeded or failed, never raises
    for a failed backup: the reason is in `backup.error`."""
    report = _reporter(backup, on_progress)
    try:
        _write_archive(backup, report)
    except Exception as exc:
        logger.exception("backup %s failed", backup.pk, extra={"category": "SYSTEM"})
        backup.status, backup.step = Backup.Status.FAILED, "Failed"
        backup.error = (str(exc) or type(exc).__name__)[:4000]
        backup.finished_at = timezone.now()
        backup.save(update_fields=["status", "step", "error", "finished_at"])
        return backup
    if storage.enabled():
        report(90, "Uploading to S3")
        try:
            backup.remote_key = storage.upload(backup_path(backup), backup.file_name)
        except Exception as exc:
            # The local archive is complete and usable; only the off-site copy is missing.
            logger.exception("backup %s: upload failed", backup.pk, extra={"category": "SYSTEM"})
            backup.error = f"The archive is complete here but the S3 upload failed: {exc}"[:4000]
    backup.status, backup.finished_at = Backup.Status.SUCCEEDED, timezone.now()
    backup.save(update_fields=["status", "finished_at", "remote_key", "error"])
    report(100, "Done")
    return backup


def _write_archive(backup: Backup, report: Callable[[int, str], None]) -> None:
    out_dir = work_dir()
    # Inside BACKUP_DIR so the finished archive is renamed into place, never copied half-written.
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".work-") as tmp:
        staging = Path(tmp)
        report(5, "Dumping the database")
        (staging / "database").mkdir()
        dumped = dumps.dump(staging / "database")
        report(45, "Copying model artifacts and service logs")
        members = {dumps.DUMP_NAMES[dumped.snapshot.engine]: dumped.path, **files.stage(staging)}
        report(55, "Writing the archive")
        manifest = build(
            backup_id=str(backup.pk),
            created_at=backup.created_at,
            app_version=app_version(),
            snapshot=dumped.snapshot,
            members=members,
            file_groups=files.group_settings(),
        )
        tar_path = staging / "archive.tar"
        archive.write(tar_path, manifest=manifest, members=members, staging=staging)
        final_src, encrypted = tar_path, bool(settings.BACKUP_ENCRYPTION_KEY)
        if encrypted:
            report(75, "Encrypting the archive")
            final_src = staging / "archive.tar.enc"
            encryption.encrypt_file(tar_path, final_src, settings.BACKUP_ENCRYPTION_KEY)
        name = _file_name(backup, encrypted=encrypted)
        final_src.chmod(0o600)  # password hashes and encrypted keys: for the operator's eyes only
        os.replace(final_src, out_dir / name)
    report(85, "Recording the checksum")
    backup.file_name, backup.encrypted, backup.manifest = name, encrypted, _summary(manifest)
    backup.size_bytes = (out_dir / name).stat().st_size
    backup.sha256 = sha256_file(out_dir / name)
    backup.save(update_fields=["file_name", "encrypted", "manifest", "size_bytes", "sha256"])


def verify_backup(backup: Backup, on_progress: Progress | None = None) -> bool:
    """Check the backup's file and restore it into a scratch database; the outcome and its
    reason are recorded on the row. True when it passed."""
    Backup.objects.filter(pk=backup.pk).update(verify_status=Backup.Verify.RUNNING, verify_detail="")
    passed, detail = False, ""
    try:
        with tempfile.TemporaryDirectory(dir=work_dir(), prefix=".fetch-") as tmp:
            path = _local_copy(backup, Path(tmp))
            if backup.sha256 and sha256_file(path) != backup.sha256:
                raise ArchiveTampered(
                    "The file's SHA-256 differs from the one recorded when it was written: "
                    "it was changed or damaged."
                )
            detail = verify_archive(path, on_progress=on_progress or no_progress).summary()
            passed = True
    except BackupError as exc:
        detail = str(exc)
    except Exception as exc:
        logger.exception("verifying backup %s crashed", backup.pk, extra={"category": "SYSTEM"})
        detail = f"The verification could not run: {type(exc).__name__}: {exc}"
    backup.verify_status = Backup.Verify.PASSED if passed else Backup.Verify.FAILED
    backup.verify_detail, backup.verified_at = detail[:4000], timezone.now()
    backup.save(update_fields=["verify_status", "verify_detail", "verified_at"])
    return passed


def _local_copy(backup: Backup, tmp: Path) -> Path:
    path = backup_path(backup)
    if backup.file_name and path.is_file():
        return path
    if backup.remote_key and storage.enabled():
        copy = tmp / (backup.file_name or "archive")
        storage.download(backup.remote_key, copy)
        return copy
    raise BackupError("The archive file is gone from BACKUP_DIR and there is no S3 copy.")


def restore_archive(path: Path, *, force: bool = False, on_progress: Progress | None = None) -> Restored:
    return _restore_archive(path, force=force, on_progress=on_progress or no_progress)
