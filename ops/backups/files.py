"""The files besides the database that an archive carries, and where they go back.

Model artifacts (ML_ARTIFACTS_DIR) and the per-user service log files (auditlog's
var/logs/users). Market-data CSV uploads and legacy imports are parsed into the database at upload
time, so the dump holds them. Never archived: the files in var/ itself (generated SECRET_KEY,
ENCRYPTION_KEYS, simulator tokens), the backups, the users' data exports (short-lived links).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from django.conf import settings

from auditlog.log_handler import logs_root
from config.env import var_dir

ML_ARTIFACTS = "files/ml-artifacts/"
USER_LOGS = "files/user-logs/"


def groups() -> dict[str, Path]:
    """Archive prefix -> the directory this installation keeps those files in."""
    return {ML_ARTIFACTS: Path(settings.ML_ARTIFACTS_DIR), USER_LOGS: logs_root()}


def group_settings() -> dict[str, str]:
    """For the manifest: which setting says where each group is restored."""
    return {ML_ARTIFACTS: "ML_ARTIFACTS_DIR", USER_LOGS: "TRADEFLEET_VAR_DIR/logs/users"}


def _never_archived() -> list[Path]:
    return [Path(settings.BACKUP_DIR).resolve(), Path(settings.DATA_EXPORT_DIR).resolve()]


def _is_secret_or_excluded(path: Path) -> bool:
    resolved = path.resolve()
    if resolved.parent == var_dir().resolve():
        return True  # var/'s own files are the generated secrets
    return any(resolved.is_relative_to(excluded) for excluded in _never_archived())


def stage(dst: Path) -> dict[str, Path]:
    """Copy every file that matters under `dst` (a copy, so a log written to meanwhile cannot
    change between its checksum and the tar). Returns archive name -> staged copy."""
    staged: dict[str, Path] = {}
    for prefix, root in groups().items():
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_symlink() or not path.is_file() or _is_secret_or_excluded(path):
                continue
            name = prefix + path.relative_to(root).as_posix()
            copy = dst / name
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)
            staged[name] = copy
    return staged


def restore(members: Mapping[str, Path]) -> int:
    """Put the archive's files back where this installation keeps them; files the archive does
    not have are left alone. Returns how many were written."""
    written = 0
    for prefix, root in groups().items():
        for name, src in members.items():
            if not name.startswith(prefix):
                continue
            target = root / name.removeprefix(prefix)
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.restoring")
            shutil.copyfile(src, partial)
            os.replace(partial, target)  # a reader sees the old file or the new, never half
            written += 1
    return written
