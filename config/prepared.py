"""A hot statement parsed and planned once per database connection, not once per call.

    row = fetchone(connection, "tf_webhook_user", sql, params)   # sql with Django's %s

On PostgreSQL the statement is `PREPARE`d under `name` the first time a connection runs it and
`EXECUTE`d by name after that, so the server skips parsing and planning it (the webhook's user
read costs PostgreSQL about half as much; docs/benchmarks.md, P1). Parameters are still bound
the way Django binds them (client side), so values get the same conversions as anywhere else.
Other databases run the statement as it is.

Django turns psycopg's automatic preparation off, so that transaction-mode poolers
(PgBouncer) keep working: a statement prepared on one server connection is unknown on the next.
Here too, the first "prepared statement does not exist" turns preparation off for the rest of
the process (logged once) and the statement runs as it is. Prepared statements belong to the
session, not to a transaction, so a rollback keeps them; a new connection (CONN_MAX_AGE, a
reconnect) prepares again.
"""

from __future__ import annotations

import logging
import re
import weakref
from collections.abc import Sequence
from typing import Any

from django.db import ProgrammingError
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"%s")
# The psycopg connection (one server session) -> names prepared on it.
_prepared: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
_enabled = True


def fetchone(connection: BaseDatabaseWrapper, name: str, sql: str, params: Sequence[Any]) -> Any:
    """The first row `sql` returns for `params` (None for none)."""
    global _enabled  # one switch for the process, turned off at most once
    with connection.cursor() as cursor:
        if not _enabled or connection.vendor != "postgresql" or "%%" in sql:
            cursor.execute(sql, params)
            return cursor.fetchone()
        session = connection.connection
        names = _prepared.get(session)
        if names is None:
            names = _prepared[session] = set()
        if name not in names:
            count = iter(range(1, len(params) + 1))
            cursor.execute(f"PREPARE {name} AS {_PLACEHOLDER.sub(lambda _: f'${next(count)}', sql)}")
            names.add(name)
        try:
            cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
        except ProgrammingError as exc:
            if "does not exist" not in str(exc) or not connection.get_autocommit():
                raise
            _enabled = False  # a pooler between us and PostgreSQL: run statements as they are
            logger.warning("prepared statement %s vanished (a transaction-mode pooler?): not preparing", name)
            cursor.execute(sql, params)
        return cursor.fetchone()
