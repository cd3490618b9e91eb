"""The service-log writer works in batches off the caller's thread: a burst of lines (a signal's
journal) becomes one INSERT, one append per user's file and one `log.created` per row."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from auditlog import log_handler
from auditlog.log_handler import ServiceLogHandler, user_log_file
from auditlog.models_logs import ServiceLog

LOGGER = "logs_in_batches"


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(log_handler, "var_dir", lambda: tmp_path)
    return tmp_path


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, str, dict]]:
    sent: list[tuple[Any, str, dict]] = []
    monkeypatch.setattr("notifications.events.publish", lambda *args: sent.append(args))
    return sent


@pytest.fixture
def background(
    settings: Any, log_dir: Path, events: list
) -> Iterator[tuple[logging.Logger, ServiceLogHandler]]:
    settings.SERVICE_LOG_SYNC = False
    handler = ServiceLogHandler(batch_size=50, linger=0.2)
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, handler
    logger.propagate = True
    logger.removeHandler(handler)
    handler.close()


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_lines_is_written_in_one_insert(background, trader, other_trader, monkeypatch):
    logger, handler = background
    sizes: list[int] = []
    original = ServiceLog.objects.bulk_create

    def counting(rows: list[ServiceLog], **kwargs: Any) -> list[ServiceLog]:
        sizes.append(len(rows))
        return original(rows, **kwargs)

    monkeypatch.setattr(ServiceLog.objects, "bulk_create", counting)
    for i in range(12):
        logger.info("line %d", i, extra={"user_id": (trader if i % 2 else other_trader).pk})
    assert handler.flush(timeout=10)
    assert sizes == [12]
    assert ServiceLog.objects.filter(user=trader).count() == 6


@pytest.mark.django_db(transaction=True)
def test_each_users_lines_of_a_batch_go_to_their_own_file_in_one_append(
    background, trader, other_trader, log_dir, events, monkeypatch
):
    logger, handler = background
    opened: list[Path] = []
    original = Path.open

    def counting_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.suffix == ".log":
            opened.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counting_open)
    for i in range(6):
        logger.info("step %d", i, extra={"user_id": (trader if i < 4 else other_trader).pk})
    assert handler.flush(timeout=10)

    today = datetime.now(UTC)
    mine, theirs = user_log_file(trader.pk, today), user_log_file(other_trader.pk, today)
    assert sorted(opened) == sorted([mine, theirs])
    assert [line.split(": ", 1)[1] for line in mine.read_text().splitlines()] == [
        "step 0",
        "step 1",
        "step 2",
        "step 3",
    ]
    assert "step 4" in theirs.read_text() and "step 0" not in theirs.read_text()
    assert [kind for _, kind, _ in events] == ["log.created"] * 6


def test_the_caller_never_waits_for_the_writer(settings):
    settings.SERVICE_LOG_SYNC = False
    handler = ServiceLogHandler(autostart=False)  # nothing drains the queue: emit only enqueues
    logger = logging.getLogger(f"{LOGGER}.caller")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.info("one line", extra={"user_id": "00000000-0000-0000-0000-000000000001"})
        assert handler._queue.qsize() == 1
    finally:
        logger.propagate = True
        logger.removeHandler(handler)
        handler.close()
