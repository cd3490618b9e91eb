"""ccxt clients cloned from one prototype per (exchange settings, thread).

A ccxt constructor runs `describe()`, merges it into the instance and walks `dir()` of ~3,000
names to add camelCase aliases: ~3 ms per client. The fill monitor needs a client for every
account it checks, most of them not in the adapter cache (64 per thread), so it paid that per
account and tick. A clone copies the prototype's attributes (0.3 ms): the large static tables
(`api`, `exceptions`, `has`, `urls`...) are shared, every other dict or list (options, balances,
token bucket...) is the clone's own deep copy, and the credentials are set on the clone only.

The clones of a prototype share its HTTP session, so one keep-alive connection per exchange and
worker thread serves every account instead of a new TCP (and TLS) handshake per account. The
session belongs to the thread: a clone closing (or being collected) does not close it.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable
from typing import Any

from requests import Session

# Read-only tables from `describe()`; everything else that is a container is copied per clone.
SHARED_TABLES = frozenset(
    {
        "api",
        "commonCurrencies",
        "countries",
        "ecdsaCurves",
        "ecdsaPrehashedAlgorithms",
        "exceptions",
        "features",
        "has",
        "httpExceptions",
        "requiredCredentials",
        "timeframes",
        "urls",
    }
)
_local = threading.local()


class ThreadSession(Session):
    """A session the clones of one prototype share; only `forget_clients` closes it."""

    def close(self) -> None:  # ccxt's close() and __del__ call this for every clone
        pass

    def really_close(self) -> None:
        super().close()


def _prototypes() -> dict[Hashable, Any]:
    prototypes: dict[Hashable, Any] | None = getattr(_local, "prototypes", None)
    if prototypes is None:
        prototypes = _local.prototypes = {}
    return prototypes


def ccxt_client(key: Hashable, build: Callable[[], Any], **credentials: str) -> Any:
    """A new client for `key`'s settings with these credentials (ccxt names: apiKey, secret,
    password). `build()` makes the prototype, without credentials, the first time per thread."""
    prototypes = _prototypes()
    prototype = prototypes.get(key)
    if prototype is None:
        prototype = build()
        session = ThreadSession()
        session.trust_env = prototype.session.trust_env if prototype.session else True
        prototype.session = session
        prototypes[key] = prototype
    client = copy.copy(prototype)
    for name, value in prototype.__dict__.items():
        if name not in SHARED_TABLES and isinstance(value, dict | list | set):
            setattr(client, name, copy.deepcopy(value))
    client.origin = prototype.uuid()
    for name, value in credentials.items():
        setattr(client, name, value)
    return client


def forget_clients() -> None:
    """Drop this thread's prototypes and close their sessions (tests; a worker shutting down)."""
    for prototype in _prototypes().values():
        prototype.session.really_close()
    _local.prototypes = {}
