"""A consistent copy of the database and its way back.

PostgreSQL: `pg_dump -Fc` under a snapshot exported from a REPEATABLE READ transaction, so the row
counts and migration state in the manifest are exactly what the dump holds, even while workers
write. Restoring pipes `pg_restore` into one `psql --single-transaction`: the database is either
the archive's or untouched. SQLite: the online backup API, both ways.

Connection settings come from `settings.DATABASE_DIRECT` (DATABASE_DIRECT_URL: PostgreSQL itself
when DATABASE_URL goes through a transaction-mode PgBouncer, whose pooled sessions would lose the
exported snapshot and catch pg_dump's session SETs), else `connection.settings_dict`; the password
travels in PGPASSWORD, never on a command line.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, connections

from config.encryption import SecretField, key_id

from .errors import BackupError
from .manifest import Snapshot

POSTGRESQL = "postgresql"
SQLITE = "sqlite"
DUMP_NAMES = {POSTGRESQL: "database/dump.pgdump", SQLITE: "database/db.sqlite3"}
_LIBPQ_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout")
_COPY_CHUNK = 1024 * 1024


def engine() -> str:
    vendor = connection.vendor
    if vendor not in DUMP_NAMES:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


@dataclass(frozen=True)
class Dumped:
    path: Path
    snapshot: Snapshot


def dump(dst_dir: Path) -> Dumped:
    """Dump the current database into `dst_dir`."""
    kind = engine()
    path = dst_dir / Path(DUMP_NAMES[kind]).name
    return Dumped(path=path, snapshot=_dump_postgresql(path) if kind == POSTGRESQL else _dump_sqlite(path))


def _dump_postgresql(path: Path) -> Snapshot:
    with closing(psycopg.connect(**_pg_connect_kwargs())) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot()")
            snapshot_id = cur.fetchone()[0]  # type: ignore[index]  # one row always
            snapshot = _read_snapshot(cur, POSTGRESQL)
            # The transaction stays open until pg_dump has taken the exported snapshot and ended.
            _run(
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                 f"--snapshot={snapshot_id}", f"--file={path}"],
                env=_pg_env(),
                what="pg_dump",
            )  # fmt: skip
        conn.rollback()
    return snapshot


def _dump_sqlite(path: Path) -> Snapshot:
    with closing(sqlite3.connect(_sqlite_name())) as src, closing(sqlite3.connect(path)) as dst:
        src.backup(dst)
        return _read_snapshot(dst.cursor(), SQLITE)


def _read_snapshot(cur: Any, kind: str) -> Snapshot:
    counts = _row_counts(cur, kind)
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in counts:
        cur.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cur.fetchall():
            migrations.setdefault(app, []).append(name)
    return Snapshot(engine=kind, migrations=migrations, row_counts=counts, key_ids=_key_ids(cur, counts))


def _tables(cur: Any, kind: str) -> list[str]:
    if kind == POSTGRESQL:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
    else:
        cur.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        )
    return [row[0] for row in cur.fetchall()]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _row_counts(cur: Any, kind: str) -> dict[str, int]:
    counts = {}
    for table in _tables(cur, kind):
        cur.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608  # a name from the catalog, quoted
        counts[table] = int(cur.fetchone()[0])
    return counts


def _key_ids(cur: Any, tables: dict[str, int]) -> list[str]:
    """The ENCRYPTION_KEYS ids the stored secrets were encrypted under (the stored form is
    `v1:<kid>:...`, config/encryption.py)."""
    found: set[str] = set()
    for model, name in SecretField.registry:
        table, column = model._meta.db_table, f"{name}_encrypted"
        if table not in tables:
            continue
        cur.execute(f"SELECT DISTINCT substr({_quote(column)}, 1, 80) FROM {_quote(table)}")  # noqa: S608  # model metadata, quoted
        found.update(kid for (prefix,) in cur.fetchall() if prefix and (kid := key_id(prefix)))
    return sorted(found)


# --- restoring -----------------------------------------------------------------------------------


def restore_into_current(dump_path: Path, kind: str) -> None:
    """Replace the current database's content with the dump's, in one transaction."""
    if kind != engine():
        raise BackupError(
            f"The archive holds a {kind} database; this installation runs on {engine()}. "
            "Restore it into an installation of the same kind."
        )
    connections.close_all()  # our own connections must not hold locks the restore waits for
    if kind == POSTGRESQL:
        _restore_postgresql(dump_path)
    else:
        with closing(sqlite3.connect(dump_path)) as src, closing(sqlite3.connect(_sqlite_name())) as dst:
            src.backup(dst)


def _restore_postgresql(dump_path: Path) -> None:
    env = _pg_env()
    with closing(psycopg.connect(**_pg_connect_kwargs())) as conn, conn.cursor() as cur:
        tables = _tables(cur, POSTGRESQL)
    # Tables the dump does not know (a newer migration's) go too: the result is the archive's.
    prelude = "SET lock_timeout = '60s';\n"
    if tables:
        prelude += f"DROP TABLE IF EXISTS {', '.join(_quote(t) for t in tables)} CASCADE;\n"
    with tempfile.TemporaryFile() as restore_err, tempfile.TemporaryFile() as psql_out:
        restore = subprocess.Popen(  # noqa: S603  # fixed arguments, no shell
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--file=-",
                str(dump_path),
            ],
            stdout=subprocess.PIPE,
            stderr=restore_err,
            env=env,
        )
        psql = subprocess.Popen(  # noqa: S603  # fixed arguments, no shell
            [
                _tool("psql"),
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "-v",
                "ON_ERROR_STOP=1",
                "--file=-",
            ],
            stdin=subprocess.PIPE,
            stdout=psql_out,
            stderr=subprocess.STDOUT,
            env=env,
        )
        if restore.stdout is None or psql.stdin is None:  # never: both are PIPEs
            raise BackupError("could not connect pg_restore to psql")
        try:
            psql.stdin.write(prelude.encode())
            while chunk := restore.stdout.read(_COPY_CHUNK):
                psql.stdin.write(chunk)
        except BrokenPipeError:
            pass  # psql stopped at an error; its output below says which
        finally:
            psql.stdin.close()
            restore.stdout.close()
        restore_rc, psql_rc = restore.wait(), psql.wait()
        if restore_rc or psql_rc:
            restore_err.seek(0)
            psql_out.seek(0)
            detail = (restore_err.read() + psql_out.read()).decode(errors="replace").strip()
            raise BackupError(f"The restore failed and nothing was changed: {detail[-2000:]}")


@dataclass(frozen=True)
class Scratch:
    """A throwaway database holding the dump, for verification."""

    row_counts: dict[str, int]
    database_url: str
    env: dict[str, str]  # the environment a subprocess needs to reach it (password included)


@contextmanager
def scratch(dump_path: Path, kind: str, workdir: Path) -> Iterator[Scratch]:
    """Restore the dump into a new database, yield it, drop it."""
    if kind == SQLITE:
        path = workdir / "scratch.sqlite3"
        with closing(sqlite3.connect(dump_path)) as src, closing(sqlite3.connect(path)) as dst:
            src.backup(dst)
            counts = _row_counts(dst.cursor(), SQLITE)
        yield Scratch(row_counts=counts, database_url=f"sqlite:///{path}", env=dict(os.environ))
        return
    if engine() != POSTGRESQL:
        raise BackupError("A PostgreSQL archive is verified by an installation that runs on PostgreSQL.")
    name = f"tf_verify_{uuid.uuid4().hex[:12]}"
    env = _pg_env()
    maintenance_db = f"--maintenance-db={_settings_dict()['NAME']}"
    _run([_tool("createdb"), maintenance_db, name], env=env, what="createdb")
    try:
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                f"--dbname={name}",
                str(dump_path),
            ],
            env=env,
            what="pg_restore",
        )
        with closing(psycopg.connect(**_pg_connect_kwargs(dbname=name))) as conn, conn.cursor() as cur:
            counts = _row_counts(cur, POSTGRESQL)
        yield Scratch(row_counts=counts, database_url=_pg_url(name), env={**env, "PGDATABASE": name})
    finally:
        _run([_tool("dropdb"), "--if-exists", "--force", maintenance_db, name], env=env, what="dropdb")


def migrate_check(target: Scratch) -> str:
    """`manage.py migrate --check` against the scratch database: '' when every migration this
    code has is applied there, else what it printed."""
    env = {**target.env, "DATABASE_URL": target.database_url, "DATABASE_POOL": "false"}
    result = subprocess.run(  # noqa: S603  # fixed arguments, no shell
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "migrate", "--check", "--noinput"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if result.returncode == 0:
        return ""
    return (result.stdout + result.stderr).strip()[-2000:] or f"exit status {result.returncode}"


# --- the current database ------------------------------------------------------------------------


def current_row_counts() -> dict[str, int]:
    kind = engine()
    if kind == SQLITE:
        with closing(sqlite3.connect(_sqlite_name())) as conn:
            return _row_counts(conn.cursor(), SQLITE)
    with closing(psycopg.connect(**_pg_connect_kwargs())) as conn, conn.cursor() as cur:
        return _row_counts(cur, POSTGRESQL)


def user_count() -> int:
    """Every trader's data hangs off a user: a database with none holds nothing to lose (a new
    installation's migrations seed a few rows of their own, which do not count)."""
    try:
        return get_user_model().objects.count()
    except DatabaseError:
        return 0  # no tables yet: a new server's empty database


# --- connection details --------------------------------------------------------------------------


def _sqlite_name() -> str:
    return str(connection.settings_dict["NAME"])


def _settings_dict() -> dict[str, Any]:
    """PostgreSQL itself, not a pooler in front of it."""
    direct = getattr(settings, "DATABASE_DIRECT", None)
    return direct if direct and connection.vendor == POSTGRESQL else connection.settings_dict


def _pg_connect_kwargs(dbname: str | None = None) -> dict[str, Any]:
    sd = _settings_dict()
    kwargs: dict[str, Any] = {"dbname": dbname or sd["NAME"], "autocommit": False}
    for key, value in (("host", sd.get("HOST")), ("port", sd.get("PORT")), ("user", sd.get("USER"))):
        if value:
            kwargs[key] = str(value)
    if sd.get("PASSWORD"):
        kwargs["password"] = sd["PASSWORD"]
    options = sd.get("OPTIONS") or {}
    kwargs.update({key: options[key] for key in _LIBPQ_OPTIONS if key in options})
    return kwargs


def _pg_env() -> dict[str, str]:
    sd = _settings_dict()
    env = dict(os.environ)
    names = {"PGHOST": sd.get("HOST"), "PGPORT": sd.get("PORT"), "PGUSER": sd.get("USER")}
    names |= {"PGDATABASE": sd["NAME"], "PGPASSWORD": sd.get("PASSWORD")}
    options = sd.get("OPTIONS") or {}
    names |= {"PGSSLMODE": options.get("sslmode"), "PGSSLROOTCERT": options.get("sslrootcert")}
    names |= {"PGSSLCERT": options.get("sslcert"), "PGSSLKEY": options.get("sslkey")}
    env.update({key: str(value) for key, value in names.items() if value})
    return env


def _pg_url(name: str) -> str:
    """A DATABASE_URL without the password (the subprocess reads PGPASSWORD)."""
    sd = _settings_dict()
    user = quote(str(sd.get("USER") or ""), safe="")
    host = str(sd.get("HOST") or "")
    # An empty host means the local socket; Django then leaves it to libpq (PGHOST).
    netloc = f"{user}@{quote(host, safe='')}" if user else quote(host, safe="")
    if sd.get("PORT"):
        netloc += f":{sd['PORT']}"
    return f"postgres://{netloc}/{quote(name, safe='')}"


def _tool(name: str) -> str:
    """The PostgreSQL client program's full path."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"`{name}` is not installed here; install the PostgreSQL client (postgresql-client)."
        )
    return path


def _run(args: list[str], *, env: dict[str, str], what: str) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # no shell
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {(result.stderr or result.stdout).strip()[-2000:]}")
