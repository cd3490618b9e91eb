"""A beat interval the scheduler's database cannot keep (0.5 s is stored as 0, which beat sends
in a tight loop) stops the start with one clear line, naming the task."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings


def _load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_sub_second_monitor_interval_is_refused_at_start() -> None:
    result = _load_settings(TRADING_TP_MONITOR_SECONDS="0.5")
    assert result.returncode != 0
    assert "beat task 'trading-check-take-profits' every 0.5 s: intervals are whole seconds" in result.stderr


def test_whole_seconds_load() -> None:
    assert _load_settings(TRADING_TP_MONITOR_SECONDS="1").returncode == 0
