"""`SecondsBetween(end, start)`: whole seconds from one timestamp column to another, in SQL on
both databases we run on. Django's `Extract(..., "epoch")` of a difference needs a native
interval type, which SQLite (`make run`) lacks; there the difference is taken in Julian days."""

from __future__ import annotations

from typing import Any

from django.db.models import BigIntegerField, Func


class SecondsBetween(Func):  # type: ignore[misc]  # Django ships no type stubs here
    output_field = BigIntegerField()
    arity = 2

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # PostgreSQL
        return super().as_sql(
            compiler,
            connection,
            template="CAST(EXTRACT(EPOCH FROM (%(expressions)s)) AS bigint)",
            arg_joiner=" - ",
            **extra,
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="CAST(ROUND((julianday(%(expressions)s)) * 86400) AS integer)",
            arg_joiner=") - julianday(",
            **extra,
        )
