"""SQLite for the one-process platform (`make run`): writers queue on a lock, not in SQLite's sleeps.

SQLite lets one connection write at a time. A writer that finds the file locked waits in SQLite's
busy handler, which polls by sleeping: 1, 2, 5, 10 ... then 25 to 100 ms at a time. In `make run`
the web requests, the worker threads, beat and the log writer all write to one file, and a
writer that found it locked could sleep on well after it was free: at 20 webhooks/s the worker
threads spent half their time in SQLite's `execute`. Queued on a lock instead, the slowest
webhook answer of a trial fell from 1.2 to 0.57 s (docs/benchmarks.md, "`make run`'s hour at 20
webhooks/s").

Here every writer of this process takes one lock per database file first: at `BEGIN` (Django's
`atomic`, which opens with `BEGIN IMMEDIATE`, settings.py) until its commit or rollback, and
around a write statement run outside a transaction. A thread waiting for the lock wakes the
moment it is released. Reads take no lock (WAL lets them run beside the writer). Another process
on the same file (a `manage.py` command beside `make run`) still meets SQLite's own lock and busy
timeout, and so does a thread that has waited the busy timeout for the lock: it goes on without it
and gets SQLite's "database is locked", as it would have without this module.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from django.db.backends.sqlite3 import base

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()
# Statements that never write: they run without the lock outside a transaction.
_READS = ("SELECT", "PRAGMA", "EXPLAIN")


def writer_lock(database: str) -> threading.Lock:
    """The lock every writer to `database` (a file name) takes in this process."""
    with _locks_guard:
        return _locks.setdefault(database, threading.Lock())


class WriterConnection(sqlite3.Connection):
    """A sqlite3 connection that holds its file's writer lock from `BEGIN` to the transaction's
    end."""

    writer: threading.Lock
    wait_seconds: float
    holds_writer = False

    def take_writer(self) -> None:
        """Wait for the writer lock, at most the busy timeout (then go on without it)."""
        self.holds_writer = self.writer.acquire(timeout=self.wait_seconds)

    def release_writer(self) -> None:
        if self.holds_writer:
            self.holds_writer = False
            self.writer.release()

    def release_if_done(self) -> None:
        """Release the lock once no transaction is open: after a commit or rollback, a write in
        autocommit, a failed BEGIN, or a COMMIT run as a statement."""
        if self.holds_writer and not self.in_transaction:
            self.release_writer()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.release_if_done()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.release_if_done()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.release_writer()


class WriterCursor(base.SQLiteCursorWrapper):
    """Takes the writer lock for `BEGIN` (kept until the transaction ends) and around a write
    statement outside a transaction."""

    connection: WriterConnection

    def execute(self, query: str, params: Any = None) -> Any:
        self._gate(query)
        try:
            return super().execute(query, params)
        finally:
            self.connection.release_if_done()

    def executemany(self, query: str, param_list: Any) -> Any:
        self._gate(query)
        try:
            return super().executemany(query, param_list)
        finally:
            self.connection.release_if_done()

    def _gate(self, query: str) -> None:
        conn = self.connection
        if conn.in_transaction or conn.holds_writer or query.lstrip()[:7].upper().startswith(_READS):
            return
        conn.take_writer()


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        conn = super().get_new_connection({**conn_params, "factory": WriterConnection})
        conn.writer = writer_lock(str(conn_params["database"]))
        conn.wait_seconds = float(conn_params.get("timeout", 5))
        return conn

    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=WriterCursor)
