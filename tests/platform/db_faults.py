"""Database faults for tests: the server ends a session, as a restart or an operator would."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connection


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: a SQLite file has no server that could drop the connection")


def backend_pid() -> int:
    """The server process behind this thread's connection (opening one if need be)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def terminate_backend(pid: int) -> None:
    """`pg_terminate_backend(pid)` from a connection of its own, and wait until the session is
    gone (the server has then written its FATAL message to the client and closed the socket)."""
    db = connection.settings_dict
    with psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        autocommit=True,
    ) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, f"backend {pid} still there"
            time.sleep(0.02)
