"""Everything the platform stores, as text: every column of every table, every file under the
var directory, every key and value of the cache, broker and channel-layer stores. What the
secret scan greps and the hostile-input suite checks for what must never be stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import redis
from django.conf import settings
from django.core.cache import caches
from django.db import connection

from config.env import redis_db, redis_url_with_db, var_dir


def _text(value: object) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    return "" if value is None else str(value)


def database_rows() -> Iterator[tuple[str, str, str]]:
    """(table, column, value) for every non-empty value in the database, read with SQL."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            cursor.execute(f"SELECT {', '.join(map(quote, columns))} FROM {quote(table)}")  # noqa: S608  names from the schema
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value not in (None, ""):
                        yield table, column, _text(value)


def var_files() -> Iterator[tuple[Path, str]]:
    root = var_dir()
    for path in sorted(root.rglob("*")) if root.exists() else []:
        try:
            content = path.read_bytes() if path.is_file() else None
        except FileNotFoundError:  # other test runs share var/test: a file may go meanwhile
            content = None
        if content is not None:
            yield path, content.decode("utf-8", errors="replace")


def redis_entries() -> Iterator[tuple[str, str]]:
    """(where, text) for every key and value in the Redis databases of REDIS_URL: the broker's,
    the cache's and the channel layer's (the database it names and the two after it)."""
    if settings.EMBEDDED:
        return
    first = redis_db(settings.REDIS_URL)
    for db in range(first, first + 3):
        client = redis.Redis.from_url(redis_url_with_db(settings.REDIS_URL, db))
        for key in client.scan_iter(count=500):
            yield f"redis db {db} key", _text(key)
            for value in _redis_values(client, key):
                yield f"redis db {db} {_text(key)}", value


def _redis_values(client: redis.Redis, key: bytes) -> list[str]:
    read = {
        "string": lambda: [client.get(key)],
        "list": lambda: client.lrange(key, 0, -1),
        "set": lambda: list(client.smembers(key)),
        "zset": lambda: client.zrange(key, 0, -1),
        "hash": lambda: [v for pair in client.hgetall(key).items() for v in pair],
    }.get(_text(client.type(key)))
    return [_text(value) for value in read()] if read else []


def local_cache_entries() -> Iterator[tuple[str, str]]:
    """The in-memory cache of embedded mode (Django's LocMemCache): its pickled values as text."""
    for alias in settings.CACHES:
        store = getattr(caches[alias], "_cache", None)
        if isinstance(store, dict):
            for key, value in store.items():
                yield f"cache {alias} {key}", _text(key) + " " + _text(value)
