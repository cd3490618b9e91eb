"""A task for the lost-connection test's real worker, imported by it with `celery worker -I`."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection

from config.tasks import house_task


@house_task(name="tests.record_backend_pid")
def record_backend_pid(*, key: str) -> None:
    """Write the server process behind this worker's connection to the cache under `key`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    cache.set(key, pid, timeout=300)
