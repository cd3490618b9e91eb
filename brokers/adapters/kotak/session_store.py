"""Where a Kotak session (tokens, sid, server id, trading base URL) lives between adapter
instances: the account's workers share one login a day instead of logging in per task. Django
backs it with the cache, encrypted; tests and the public adapter use the in-process store."""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol


class SessionStore(Protocol):
    def get(self, key: str) -> dict[str, Any] | None: ...

    def set(self, key: str, value: dict[str, Any], ttl: int) -> None: ...

    def delete(self, key: str) -> None: ...


class MemorySessionStore:
    """A dict with expiry, safe across threads; lives as long as the process."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            expires, value = item
            if expires <= time.monotonic():
                del self._items[key]
                return None
            return dict(value)

    def set(self, key: str, value: dict[str, Any], ttl: int) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + ttl, dict(value))

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)
