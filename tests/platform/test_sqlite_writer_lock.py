"""`make run`'s SQLite: the process's writers take turns on one lock (config/sqlite_backend/base.py).

Each test opens its own SQLite file through the backend, with the options `make run` uses, so it
runs whatever database the suite itself is on. Every thread gets its own connection, as the web
requests and worker threads of `make run` do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import DatabaseError, connections, transaction

from config.sqlite_backend.base import writer_lock

ALIAS = "sqlite_writer_test"


@pytest.fixture
def sqlite_db(tmp_path: Path, django_db_blocker: object) -> Iterator[Path]:
    path = tmp_path / "tradefleet.sqlite3"
    connections.settings[ALIAS] = connections.configure_settings(
        {
            "default": connections.settings["default"],
            ALIAS: {
                "ENGINE": "config.sqlite_backend",
                "NAME": str(path),
                "OPTIONS": {
                    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                    "transaction_mode": "IMMEDIATE",
                    "timeout": 20,
                },
            },
        }
    )[ALIAS]
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("CREATE TABLE row (id INTEGER PRIMARY KEY, writer TEXT)")
        try:
            yield path
        finally:
            connections[ALIAS].close()
            del connections[ALIAS]
            del connections.settings[ALIAS]


def insert(writer: str) -> None:
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("INSERT INTO row (writer) VALUES (%s)", [writer])


def writers() -> list[str]:
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT writer FROM row ORDER BY id")
        return [w for (w,) in cursor.fetchall()]


def in_thread(target: object) -> threading.Thread:
    def run() -> None:
        try:
            target()  # type: ignore[operator]
        finally:
            connections[ALIAS].close()  # this thread's connection, as Django closes a request's

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


class HeldTransaction:
    """Another thread's transaction, open (one row written) until `end()`."""

    def __init__(self, *, fail: bool = False) -> None:
        self.open, self.finish = threading.Event(), threading.Event()
        self.ended_at = 0.0
        self.fail = fail
        self.thread = in_thread(self._run)
        assert self.open.wait(5)

    def _run(self) -> None:
        try:
            with transaction.atomic(using=ALIAS):
                insert("holder")
                self.open.set()
                self.finish.wait(10)
                if self.fail:
                    raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        self.ended_at = time.monotonic()

    def end(self) -> None:
        self.finish.set()
        self.thread.join(5)


def test_a_writer_waits_for_another_threads_transaction_then_goes_on_at_once(sqlite_db: Path) -> None:
    held = HeldTransaction()
    assert writer_lock(str(sqlite_db)).locked()
    done_at: list[float] = []
    waiter = in_thread(lambda: (insert("waiter"), done_at.append(time.monotonic())))
    time.sleep(0.24)
    assert not done_at, "a write went through while another thread's transaction was open"

    held.end()
    waiter.join(5)
    assert done_at, "the waiting writer never went on"
    # SQLite's own busy handler would still be asleep here: after 240 ms of waiting it polls at
    # 328 ms (sleeps of 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms), ~90 ms after the commit.
    assert done_at[0] - held.ended_at < 0.06
    assert writers() == ["holder", "waiter"]
    assert not writer_lock(str(sqlite_db)).locked()


def test_readers_do_not_wait_for_a_writer(sqlite_db: Path) -> None:
    insert("before")
    held = HeldTransaction()
    seen: list[list[str]] = []
    reader = in_thread(lambda: seen.append(writers()))
    reader.join(2)
    try:
        assert seen == [["before"]], "a read waited for the open transaction, or saw its row"
    finally:
        held.end()


def test_a_rolled_back_transaction_frees_the_lock_and_keeps_nothing(sqlite_db: Path) -> None:
    held = HeldTransaction(fail=True)
    held.end()
    assert not writer_lock(str(sqlite_db)).locked()
    insert("after")
    assert writers() == ["after"]


def test_a_connection_closed_in_a_transaction_frees_the_lock(sqlite_db: Path) -> None:
    raised: list[DatabaseError] = []

    def close_inside() -> None:
        try:
            with transaction.atomic(using=ALIAS):
                insert("lost")
                connections[ALIAS].connection.close()
        except DatabaseError as exc:  # the commit, on a closed connection
            raised.append(exc)

    in_thread(close_inside).join(5)
    assert raised
    assert not writer_lock(str(sqlite_db)).locked()
    insert("after")
    assert writers() == ["after"]


def test_many_threads_writing_at_once_all_succeed(sqlite_db: Path) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(25):
                if i % 2:
                    with transaction.atomic(using=ALIAS):
                        insert(f"{n}-{i}")
                        writers()
                else:
                    insert(f"{n}-{i}")
        except BaseException as exc:  # collected, asserted on below
            errors.append(exc)

    threads = [in_thread(lambda n=n: work(n)) for n in range(8)]
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(writers()) == 8 * 25
    assert not writer_lock(str(sqlite_db)).locked()
