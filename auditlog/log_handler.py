"""A logging handler that stores records as `ServiceLog` rows and per-user daily files.

    logger.info("order placed", extra={"user_id": user.id, "category": "TRADING", "order_id": ...})

- Never blocks the caller: `emit` formats the message and puts it on a bounded in-memory queue; a
  daemon thread writes the queue to the database in batches (one `bulk_create` of up to
  `batch_size` rows, gathered for at most `linger` seconds after the first, so a busy worker
  pays one INSERT and one file append per user per batch, not per line). When the queue is full
  the record is dropped and counted (`handler.dropped`), never waited for.
- Never recurses: records from the database layer and from this module are ignored, and anything
  logged while a batch is being written (by the ORM, by `publish`) is dropped by a thread-local
  guard.
- Redacts: the message, the traceback and every string in the extras go through
  `config.logging.redact` (the console's redaction) before they are
  stored; extras whose key looks secret (`password`, `api_secret`, ...) are replaced outright.
- `user_id` and `category` come from the record's extras; without a category one is derived from
  the logger's name (`tradefleet.trading.*`, `trading.*` and `brokers.*` are TRADING,
  `accounts.*` SECURITY, `config.api.*` API), else SYSTEM.
- Attached (config/logging.py, SERVICE_LOG_LOGGERS) to `tradefleet`, `celery.task` and the app
  packages (`accounts`, `brokers`, `trading`, `notifications`, `config`, ...), whose modules log
  under their own `__name__`.
- Rows with a user are also appended to `<var dir>/logs/users/user_<id>/service_YYYYMMDD.log` (one
  file per UTC day is the rotation; `services_logs.logs_retention` deletes old files) and published
  to that user's sockets as `log.created`.
- `SERVICE_LOG_SYNC=True` (tests) writes in the caller's thread, so a test sees the row at once.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import threading
import time
import traceback
import uuid
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from config.env import var_dir
from config.logging import _STANDARD_ATTRS, redact

# Django configures LOGGING before the app registry is ready, so this module imports no model at
# import time; these mirror models_logs.LogLevel and LogCategory (a test keeps them in step).
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
CATEGORIES = ("SECURITY", "TRADING", "SYSTEM", "RISK", "API")

# Records from these loggers are never stored: writing them would log again.
IGNORED_LOGGERS = ("django.db", "auditlog.log_handler")
# Extras never stored, however their value looks: the handler's own routing fields.
_ROUTING_EXTRAS = frozenset({"user_id", "category", "service_log"})
_SECRET_KEY = re.compile(r"(?i)(password|passwd|secret|token|api[_-]?key|passphrase|private|authorization)")
REDACTED = "[redacted]"
# Logger-name segments that imply a category when the record names none.
_CATEGORY_BY_SEGMENT = {
    "security": "SECURITY",
    "auth": "SECURITY",
    "accounts": "SECURITY",
    "trading": "TRADING",
    "orders": "TRADING",
    "brokers": "TRADING",  # exchange accounts, markets, rate limits: the trading side of the platform
    "risk": "RISK",
    "api": "API",
    "webhooks": "API",
}

_guard = threading.local()
# Longer messages are cut: a log line is not the place for a payload.
MAX_MESSAGE = 20_000


def redact_text(text: str) -> str:
    """The house redaction (config/logging.py), the same as the console's."""
    return redact(text)


def redact_value(value: Any, *, depth: int = 0) -> Any:
    """A JSON-safe copy of `value`: secret-looking keys replaced, strings redacted."""
    if depth > 6:
        return REDACTED if value else value
    if isinstance(value, dict):
        return {
            str(k): REDACTED if _SECRET_KEY.search(str(k)) else redact_value(v, depth=depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(v, depth=depth + 1) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact_text(str(value))


def logs_root() -> Path:
    return var_dir() / "logs" / "users"


def user_log_file(user_id: Any, day: datetime) -> Path:
    return logs_root() / f"user_{user_id}" / f"service_{day:%Y%m%d}.log"


@dataclass
class _Entry:
    """What a record becomes on the caller's thread: plain values, nothing left to format."""

    user_id: uuid.UUID | None
    level: str
    category: str
    module: str
    message: str
    context: dict[str, Any] = field(default_factory=dict)
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))


def _user_id(value: Any) -> uuid.UUID | None:
    value = getattr(value, "pk", value)
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def _category(record: logging.LogRecord) -> str:
    given = str(record.__dict__.get("category") or "").upper()
    if given in CATEGORIES:
        return given
    for segment in record.name.lower().split("."):
        if segment in _CATEGORY_BY_SEGMENT:
            return _CATEGORY_BY_SEGMENT[segment]
    return "SYSTEM"


class ServiceLogHandler(logging.Handler):
    """See the module docstring. Attached to config.logging.SERVICE_LOG_LOGGERS."""

    def __init__(
        self,
        level: int | str = logging.NOTSET,
        *,
        queue_size: int = 10_000,
        batch_size: int = 100,
        linger: float = 0.1,
        write_files: bool = True,
        publish_events: bool = True,
        autostart: bool = True,
    ) -> None:
        super().__init__(level)
        self.queue_size = queue_size
        self.batch_size = batch_size
        self.linger = linger
        self.write_files = write_files
        self.publish_events = publish_events
        self.autostart = autostart
        self.dropped = 0  # records lost to a full queue or a failed write
        self.publish_failures = 0
        self._queue: queue.Queue[_Entry | None] = queue.Queue(maxsize=queue_size)
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._start_lock = threading.Lock()
        self._file_lock = threading.Lock()
        _handlers.add(self)

    def _after_fork_in_child(self) -> None:
        # A forked child (a prefork worker) inherits the queue and the locks, possibly held, but
        # not the writer thread: it starts afresh.
        self._queue = queue.Queue(maxsize=self.queue_size)
        self._thread = None
        self._pid = os.getpid()
        self._start_lock = threading.Lock()
        self._file_lock = threading.Lock()

    # --- the caller's side ------------------------------------------------------------------
    def emit(self, record: logging.LogRecord) -> None:
        if getattr(_guard, "active", False) or record.name.startswith(IGNORED_LOGGERS):
            return
        if getattr(record, "service_log", True) is False:
            return  # console only: the caller said the line is for operators (extra service_log=False)
        try:
            entry = self._entry(record)
        except Exception:  # a bad format string or an odd extra must not break the caller
            self.dropped += 1
            return
        if getattr(settings, "SERVICE_LOG_SYNC", False):
            self.write([entry])
            return
        self._ensure_worker()
        try:
            self._queue.put_nowait(entry)
        except queue.Full:
            self.dropped += 1

    def _entry(self, record: logging.LogRecord) -> _Entry:
        extras = {
            key: value
            for key, value in record.__dict__.items()
            if key not in _STANDARD_ATTRS and key not in _ROUTING_EXTRAS and not key.startswith("_")
        }
        context: dict[str, Any] = redact_value(extras)
        if record.exc_info and record.exc_info[1] is not None:
            context["exception"] = redact_text("".join(traceback.format_exception(*record.exc_info)))
        level = record.levelname if record.levelname in LEVELS else "INFO"
        return _Entry(
            user_id=_user_id(record.__dict__.get("user_id")),
            level=level,
            category=_category(record),
            module=record.name[:200],
            message=redact_text(record.getMessage())[:MAX_MESSAGE],
            context=context,
            timestamp=datetime.fromtimestamp(record.created, tz=UTC),
        )

    # --- the writer's side ------------------------------------------------------------------
    def _ensure_worker(self) -> None:
        if not self.autostart:
            return
        thread = self._thread
        if thread is not None and thread.is_alive() and self._pid == os.getpid():
            return
        if self._pid != os.getpid():  # forked without the at-fork hook (should not happen)
            self._after_fork_in_child()
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="service-log-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        from django.db import close_old_connections, connections

        _guard.active = True  # everything this thread logs would only come back here
        while True:
            first = self._queue.get()
            if first is None:
                connections.close_all()  # this thread's own connection, not the caller's
                self._queue.task_done()
                return
            batch = [first]
            # Gather what arrives shortly after: a signal's lines come in a burst, and one write
            # of several rows costs the writer (and the GIL it shares with the caller) about what
            # one row does.
            deadline = time.monotonic() + self.linger
            while len(batch) < self.batch_size:
                wait = deadline - time.monotonic()
                try:
                    item = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put_nowait(None)  # stop after this batch
                    self._queue.task_done()
                    break
                batch.append(item)
            try:
                close_old_connections()
                self.write(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    def write(self, entries: list[_Entry]) -> None:
        """Store entries now: rows, then files and events for the rows that have a user."""
        already = getattr(_guard, "active", False)
        _guard.active = True
        try:
            rows = self._write_rows(entries)
            if rows is None:
                return
            if self.write_files:
                self._write_files(rows)
            if self.publish_events:
                self._publish(rows)
        finally:
            _guard.active = already

    def _write_rows(self, entries: list[_Entry]) -> list[Any] | None:
        from django.db import transaction

        from accounts.models import User

        from .models_logs import ServiceLog

        try:
            wanted = {e.user_id for e in entries if e.user_id is not None}
            # A log line about a user deleted meanwhile is kept as a system entry.
            known = set(User.objects.filter(id__in=wanted).values_list("id", flat=True)) if wanted else set()
            rows = [
                ServiceLog(
                    user_id=e.user_id if e.user_id in known else None,
                    level=e.level,
                    category=e.category,
                    module=e.module,
                    message=e.message,
                    context=e.context,
                    timestamp=e.timestamp,
                )
                for e in entries
            ]
            # A savepoint: in sync mode a failed write must not break the caller's transaction.
            with transaction.atomic():
                return ServiceLog.objects.bulk_create(rows)
        except Exception:
            # Logging must never take the caller down; the console handler still has the line.
            self.dropped += len(entries)
            return None

    def _write_files(self, rows: list[Any]) -> None:
        """One append per file (user and day) for the whole batch."""
        lines: dict[Path, list[str]] = {}
        for row in rows:
            if row.user_id is None:
                continue
            line = f"{row.timestamp.isoformat()} {row.level} {row.category} {row.module}: {row.message}"
            lines.setdefault(user_log_file(row.user_id, row.timestamp), []).append(
                line.replace("\n", "\n    ") + "\n"
            )
        for path, text in lines.items():
            try:
                with self._file_lock:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    with path.open("a", encoding="utf-8") as handle:
                        handle.write("".join(text))
            except OSError:
                continue

    def _publish(self, rows: list[Any]) -> None:
        from notifications.events import LOG_CREATED, publish

        for row in rows:
            if row.user_id is None:
                continue
            try:
                publish(row.user_id, LOG_CREATED, log_event_data(row))
            except Exception:  # delivery is best effort; the row is stored
                self.publish_failures += 1

    # --- lifecycle --------------------------------------------------------------------------
    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is written (True) or `timeout` passes (False)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline or self._thread is None or not self._thread.is_alive():
                return False
            time.sleep(0.01)
        return True

    def close(self) -> None:
        thread = self._thread
        if thread is not None and thread.is_alive() and self._pid == os.getpid():
            self.flush(timeout=2.0)
            try:
                self._queue.put(None, timeout=1.0)
            except queue.Full:
                pass
            thread.join(timeout=2.0)
        self._thread = None
        super().close()


def log_event_data(row: Any) -> dict[str, Any]:
    """The `log.created` event's data (also the API's shape for one entry)."""
    return {
        "id": row.id,
        "timestamp": row.timestamp,
        "level": row.level,
        "category": row.category,
        "module": row.module,
        "message": row.message,
        "context": row.context,
    }


_handlers: weakref.WeakSet[ServiceLogHandler] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for handler in list(_handlers):
        handler._after_fork_in_child()


os.register_at_fork(after_in_child=_after_fork_in_child)
