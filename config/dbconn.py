"""Database connections that outlive a task: kept while they work, dropped once the server has.

A worker keeps its connection from one task to the next (Celery's Django fixup closes it only
every 2 x CELERY_DB_REUSE_MAX tasks): that is most of what makes a small task cheap. Nothing
checks that connection, though, so once the server drops it (a restart, a failover,
`pg_terminate_backend`) every later task fails on it. `db_connections_heal` runs before and after
every task (config/celery.py) and when a task fails on a database error (config/tasks.py, which
retries the task when `db_error_lost_connection` or the heal says the connection was lost). It
drops a broken connection, so the next query opens a new one, and keeps a healthy one, without a
round trip to the server in the common case:

- after a database error (Django's `errors_occurred`), ask the server (`is_usable`, SELECT 1);
- otherwise, on PostgreSQL, look at the socket without reading it: an idle connection has
  nothing to read unless the server wrote to it, which is how a server that ends a session says
  so (FATAL 57P01, "terminating connection due to administrator command", then EOF). Only then
  ask the server.
"""

from __future__ import annotations

import contextlib
import select
from typing import Any

from django.db import DatabaseError, InterfaceError, connections


def db_connections_heal() -> bool:
    """Close this thread's database connections that the server no longer serves. True when one
    was lost (closed here, or already dropped by Django after a failed rollback)."""
    lost = False
    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block:
            continue  # the caller's transaction (an eager task inside a request or a test)
        if conn.connection is None:
            # Django drops a connection whose rollback failed; the next query reconnects.
            lost = lost or conn.errors_occurred
            continue
        if not (conn.errors_occurred or _server_wrote(conn.connection)):
            continue
        if conn.is_usable():
            conn.errors_occurred = False  # a failed statement, not a failed connection
            continue
        with contextlib.suppress(InterfaceError, DatabaseError):  # gone already: forget it
            conn.close()
        lost = True
    return lost


# SQLSTATEs of a session the server ended or never began: class 08 (connection exception) and
# 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now).
_LOST_STATES = ("08", "57P01", "57P02", "57P03")


def db_error_lost_connection(exc: BaseException) -> bool:
    """Whether a database error (Django's, wrapping the driver's) says the connection is gone
    rather than that a statement failed. psycopg's errors carry the server's SQLSTATE, and none
    when the server never answered (the socket closed, the connection refused). Other drivers'
    errors (SQLite's) are about statements and locks: never a lost connection."""
    sqlstate = getattr(exc.__cause__, "sqlstate", False)
    if sqlstate is False:
        return False
    return sqlstate is None or str(sqlstate).startswith(_LOST_STATES)


def _server_wrote(raw: Any) -> bool:
    """Whether the server wrote to this idle psycopg connection (False for other drivers)."""
    pgconn = getattr(raw, "pgconn", None)
    if pgconn is None:
        return False
    try:
        poller = select.poll()  # not select(): a worker may hold file descriptors above 1024
        poller.register(pgconn.socket, select.POLLIN)
        return bool(poller.poll(0))
    except Exception:
        return True  # no socket any more (psycopg raises): a round trip decides
