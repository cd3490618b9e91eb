"""Text in a webhook body that no database can store, pure: no Django.

JSON may escape characters that are not text: a lone surrogate (`"\\ud800"`, half of a pair that
never comes) cannot be encoded as UTF-8 at all, so no column can hold it, not even the raw body
(stored as sent). TradingView never sends one: a body with one, in a key or a value, is refused
400 naming the field before any of it reaches a row. A NUL (`"\\u0000"`, which PostgreSQL
refuses) is refused in a key, which becomes a field name when a refusal names it; in a value it
is left to the parser, which refuses it in the fields it reads (the raw body keeps it escaped).

    unstorable_field(raw, body) -> SignalRejected | None
"""

from __future__ import annotations

import re

from trading.signals.webhook_fields import SignalRejected

# Both can only come from a JSON escape (raw surrogate bytes are not UTF-8 and a raw NUL is not
# JSON), so a body without one of these escapes needs no walk: the usual alert costs one search.
_ESCAPE = re.compile(rb"\\u(?:[dD][89a-fA-F][0-9a-fA-F]{2}|0000)")
MAX_PATH = 80


def unstorable_field(raw: bytes, body: object) -> SignalRejected | None:
    """The refusal naming the first key or string of `body` (decoded from `raw`) holding a lone
    surrogate, or the first key holding a NUL; None for a body without either."""
    if not _ESCAPE.search(raw):
        return None
    stack: list[tuple[str, object]] = [("", body)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            children = []
            for key, child in value.items():
                here = f"{path}.{shown_key(key)}" if path else shown_key(key)
                if "\x00" in key or not storable(key):
                    return _refusal(here)
                children.append((here, child))
            stack.extend(reversed(children))  # popped in the body's order
        elif isinstance(value, list):
            stack.extend((f"{path}.{index}", child) for index, child in reversed(list(enumerate(value))))
        elif isinstance(value, str) and not storable(value):
            return _refusal(path or "body")
    return None


def storable(text: str) -> bool:
    """False for text with a lone surrogate (UTF-8 cannot encode it)."""
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def shown_key(text: str) -> str:
    """A key as a field name: what cannot be stored written as its escape (`\\ud800`, `\\x00`)."""
    return text.encode("utf-8", "backslashreplace").decode().replace("\x00", "\\x00")


def safe_rejection(rejection: SignalRejected) -> SignalRejected:
    """`rejection` with a field and reason that can be stored (a duplicate key is named as sent)."""
    field, reason = shown_key(rejection.field)[:MAX_PATH], shown_key(rejection.reason)
    if (field, reason) == (rejection.field, rejection.reason):
        return rejection
    return SignalRejected(field, reason, rejection.code)


def _refusal(path: str) -> SignalRejected:
    return SignalRejected(
        path[:MAX_PATH],
        "holds a character that is not text (a lone surrogate such as \\ud800, or a NUL in a key); "
        "paste the alert message from the template again",
        "invalid",
    )
