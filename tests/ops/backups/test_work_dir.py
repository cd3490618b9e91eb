"""Work folders a killed backup or verification left in BACKUP_DIR are removed a day later."""

from __future__ import annotations

import os
import time

from ops.backups.verify import STALE_WORK_SECONDS, work_dir


def test_work_folders_left_by_killed_runs_are_removed_after_a_day(backup_dirs):
    root = backup_dirs["backups"]
    old, recent, archive = root / ".work-old", root / ".open-recent", root / ".work-is-a-file"
    for folder in (old, recent):
        folder.mkdir(parents=True)
    archive.write_text("not a folder")
    long_ago = time.time() - STALE_WORK_SECONDS - 60
    os.utime(old, (long_ago, long_ago))
    os.utime(archive, (long_ago, long_ago))

    assert work_dir() == root
    assert not old.exists()
    assert recent.exists()
    assert archive.exists()
