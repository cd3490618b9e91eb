"""A hot statement parsed and planned once per database connection, not once per call.

    row = fetchone(connection, "tf_webhook_user", sql, params)   # sql with Django's %s

On PostgreSQL the statement is `PREPARE`d under `name` the first time a connection runs it and
`EXECUTE`d by name after that, so the server skips parsing and planning it (the webhook's user
read costs PostgreSQL about half as much; docs/benchmarks.md, P1). Parameters are still bound
the way Django binds them (client side), so values get the same conversions as anywhere else.
Other databases run the statement as it is.

Prepared statements belong to the server session, not to a transaction, so a rollback keeps
them; a new connection (CONN_MAX_AGE, a reconnect) prepares again. Behind a transaction-mode
pooler (PgBouncer, docker-compose.yml) consecutive transactions of one connection run on
different server sessions, which other clients share: a name this connection prepared may be
missing there ("does not exist"), and one it did not prepare may be there already, prepared by
another client ("already exists"). PgBouncer's `max_prepared_statements` does not help: it
tracks protocol-level statements, not SQL `PREPARE`. So nothing is prepared when:

- the database's `DISABLE_SERVER_SIDE_CURSORS` is set, which Django requires behind such a
  pooler anyway (`?disable_server_side_cursors=True` in DATABASE_URL); or
- the setting `DATABASE_PREPARED_STATEMENTS` is False.

As a last resort, the first "does not exist" or "already exists" outside a transaction turns
preparation off for the rest of the process (logged once) and the statement runs as it is;
inside a transaction the error cannot be undone and is raised.
"""

from __future__ import annotations

import logging
import re
import weakref
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import ProgrammingError
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"%s")
# The psycopg connection (one server session) -> names prepared on it.
_prepared: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
_enabled = True
# What PostgreSQL says when the server session is not the one this connection prepared on.
_POOLER_SIGNS = ("does not exist", "already exists")


def preparing(connection: BaseDatabaseWrapper) -> bool:
    """Whether `fetchone` prepares statements on this connection."""
    return (
        _enabled
        and connection.vendor == "postgresql"
        and getattr(settings, "DATABASE_PREPARED_STATEMENTS", True)
        and not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    )


def fetchone(connection: BaseDatabaseWrapper, name: str, sql: str, params: Sequence[Any]) -> Any:
    """The first row `sql` returns for `params` (None for none)."""
    with connection.cursor() as cursor:
        if "%%" in sql or not preparing(connection):
            cursor.execute(sql, params)
            return cursor.fetchone()
        session = connection.connection
        names = _prepared.get(session)
        if names is None:
            names = _prepared[session] = set()
        try:
            if name not in names:
                count = iter(range(1, len(params) + 1))
                cursor.execute(f"PREPARE {name} AS {_PLACEHOLDER.sub(lambda _: f'${next(count)}', sql)}")
                names.add(name)
            cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
        except ProgrammingError as exc:
            if not any(sign in str(exc) for sign in _POOLER_SIGNS) or not connection.get_autocommit():
                raise
            _turn_off(name)
            cursor.execute(sql, params)
        return cursor.fetchone()


def _turn_off(name: str) -> None:
    global _enabled  # one switch for the process, turned off at most once
    _enabled = False  # a pooler between us and PostgreSQL: run statements as they are
    logger.warning(
        "prepared statement %s missing or taken on the server session (a transaction-mode pooler?): "
        "not preparing; set ?disable_server_side_cursors=True in DATABASE_URL behind PgBouncer",
        name,
    )
