"""Reading configuration from the environment.

Every setting comes from here: typed helpers from django-environ, each value also readable from a
file named by `<NAME>_FILE` (Docker and Kubernetes secrets), and the few values that embedded mode
generates once and keeps under `var/` so that a second `make run` finds them again.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from environ.fileaware_mapping import FileAwareMapping

BASE_DIR = Path(__file__).resolve().parent.parent


class _StrippedFileAwareMapping(FileAwareMapping):
    """`NAME_FILE=/run/secrets/x` gives NAME the content of that file (over any NAME also set),
    with surrounding whitespace, such as the trailing newline editors leave, stripped. Only the
    names the settings read are looked up, so unrelated `*_FILE` variables do not matter."""

    def __getitem__(self, key: str) -> str:
        value = super().__getitem__(key)
        return value.strip() if self.env.get(key + "_FILE") else value


class _Env(environ.Env):
    ENVIRON = _StrippedFileAwareMapping()


env = _Env()


def var_dir() -> Path:
    """Where embedded mode keeps its database, generated keys and other local state."""
    path = Path(env.str("TRADEFLEET_VAR_DIR", default=str(BASE_DIR / "var")))
    path.mkdir(parents=True, exist_ok=True)
    return path


def local_secret(name: str, *, generate: Callable[[], str] | None = None) -> str:
    """A random secret generated on first use and kept in `var/<name>` (embedded mode only)."""
    path = var_dir() / name
    if path.exists():
        return path.read_text().strip()
    value = generate() if generate else secrets.token_urlsafe(48)
    # Created with 0600 so that other local users cannot read it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def redis_url_with_db(url: str, db: int) -> str:
    """The same Redis server with another logical database, so cache, broker and channel layer
    never share keys (clearing the cache must never drop queued tasks)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def redis_db(url: str) -> int:
    path = urlsplit(url).path.strip("/")
    return int(path) if path.isdigit() else 0
