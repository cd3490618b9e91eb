"""A broker session (Kotak Neo's tokens, sid, server and base URL) kept in the Django cache, shared
by every process: Redis in production, process memory in embedded mode.

The session is a credential: whoever holds the token trades on the account until it expires. So
the cache holds it encrypted like the keys at rest (config/encryption.py), bound to the account
it belongs to: a value copied under another account's key does not decrypt, and a value that
does not decrypt (tampered, or under a key since dropped) reads as no session, which the adapter
answers with a new login.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.cache import cache

from config.encryption import DecryptionError, associated_data, decrypt, encrypt

logger = logging.getLogger(__name__)

SESSION_KEY = "kotak:session:{account_id}"


def session_key_for(account_id: object) -> str:
    return SESSION_KEY.format(account_id=account_id)


class CacheSessionStore:
    """The adapter's SessionStore (get/set/delete) for one account."""

    def __init__(self, *, account_id: object) -> None:
        self.account_id = str(account_id)
        self._aad = associated_data("brokers.ExchangeConfig", "broker_session", self.account_id)

    def get(self, key: str) -> dict[str, Any] | None:
        token = cache.get(key)
        if not token:
            return None
        try:
            value = json.loads(decrypt(token, aad=self._aad))
        except (DecryptionError, ValueError):
            logger.warning("broker session of account %s is unreadable; logging in again", self.account_id)
            cache.delete(key)
            return None
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any], ttl: int) -> None:
        cache.set(key, encrypt(json.dumps(value), aad=self._aad), timeout=max(int(ttl), 1))

    def delete(self, key: str) -> None:
        cache.delete(key)


def broker_session_forget(*, account_id: object) -> None:
    """Drop an account's cached session (the account is gone, or its login changed)."""
    cache.delete(session_key_for(account_id))
