"""make run's allocator housekeeping (config/allocator.py): glibc's free memory handed back on a
schedule, and an operator's own MALLOC_ARENA_MAX left alone."""

from __future__ import annotations

import threading

import pytest

from config import allocator

pytestmark = pytest.mark.skipif(allocator._glibc() is None, reason="glibc only; a no-op elsewhere")


def _counted(calls: int, *, fail: bool = False) -> tuple[list[int], threading.Event, object]:
    """A stand-in for trim(): counts its calls, sets the event at the `calls`-th, may raise."""
    seen: list[int] = []
    reached = threading.Event()

    def trim() -> None:
        seen.append(1)
        if len(seen) == calls:
            reached.set()
        if fail:
            raise OSError("boom")

    return seen, reached, trim


def test_the_periodic_trim_runs_on_its_schedule_and_stops(monkeypatch):
    _, third, trim = _counted(3)
    monkeypatch.setattr(allocator, "trim", trim)
    trimmer = allocator.PeriodicTrim(0.02)
    trimmer.start()
    assert third.wait(5)
    trimmer.stop()
    trimmer._thread.join(5)
    assert not trimmer._thread.is_alive()


def test_a_trim_that_fails_is_logged_and_the_next_one_still_runs(monkeypatch, caplog):
    _, second, trim = _counted(2, fail=True)
    monkeypatch.setattr(allocator, "trim", trim)
    trimmer = allocator.PeriodicTrim(0.02)
    trimmer.start()
    assert second.wait(5)
    trimmer.stop()
    assert "malloc_trim failed" in caplog.text


def test_no_schedule_starts_no_thread():
    trimmer = allocator.PeriodicTrim(0)
    trimmer.start()
    assert not trimmer._thread.is_alive()


def test_an_operators_malloc_arena_max_wins(monkeypatch):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert allocator.limit_arenas() is False
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    assert allocator.limit_arenas() is True
