"""Hostile values and a client that reports what the server answers instead of raising."""

from __future__ import annotations

import json
from typing import Any

from django.core.cache import cache
from django.db import transaction
from rest_framework.test import APIClient

from accounts.models import User
from accounts.sessions import session_start

# A lone surrogate (JSON lets one be written as an escape, Python decodes it, nothing can encode
# it again), a NUL (PostgreSQL refuses it in text), JSON nested deeper than Python's recursion
# limit, and a string of a megabyte.
SURROGATE = "\ud800"
NUL = "a\x00b"
HUGE = "x" * 1_000_000
DEEP_LEVELS = 2000
_DEEP = '{"a": ' * DEEP_LEVELS + "1" + "}" * DEEP_LEVELS
_DEEP_MARK = "__deep_json_goes_here__"
PAYLOADS: dict[str, object] = {"lone surrogate": SURROGATE, "NUL": NUL, "deep JSON": _DEEP_MARK, "1 MB": HUGE}


def as_json(body: object) -> str:
    """The body as JSON text: surrogates as escapes, the deep marker as the deep document (which
    json.dumps itself could not write: it recurses too)."""
    return json.dumps(body).replace(json.dumps(_DEEP_MARK), _DEEP)


def deep_document() -> str:
    return _DEEP


def bad_text(value: str) -> bool:
    """What must never be stored: a NUL or a lone surrogate."""
    return "\x00" in value or any("\ud800" <= char <= "\udfff" for char in value)


class Caller:
    """A logged-in client whose every call runs in a savepoint with the throttles reset, and
    whose server errors are answers (500) rather than exceptions in the test."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.client = APIClient(raise_request_exception=False)

    def call(
        self, method: str, path: str, *, raw: str | bytes = "", content_type: str = "", **extra: Any
    ) -> Any:
        cache.clear()  # throttles, lockouts and the webhook's limits: every case starts from zero
        access = session_start(user=self.user, request=None).access
        with transaction.atomic():
            response = self.client.generic(
                method,
                path,
                data=raw,
                content_type=content_type or "application/json",
                HTTP_AUTHORIZATION=f"Bearer {access}",
                **extra,
            )
            # After a database error the transaction is unusable until the savepoint is undone.
            transaction.set_rollback(response.status_code >= 500)
        return response
