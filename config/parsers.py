"""The API's JSON parser (DEFAULT_PARSER_CLASSES): DRF's, minus the bodies it let through to a 500.

- JSON nested deeper than Python's recursion limit (`{"a":` 2,000 times) made `json` raise
  RecursionError: a 400 on every endpoint, logged in or not. Anything deeper than MAX_DEPTH is
  refused too, so no serializer, service or error message walks a deep body.
- A lone surrogate (`"\\ud800"`: JSON may escape half of a UTF-16 pair, Python decodes it) cannot
  be encoded again: the error page echoing a refused value, the database and the log all failed
  on it. A NUL (`"\\u0000"`) is refused as well: PostgreSQL stores it in no text or jsonb column.
  Both are refused in values and in keys, with a 400 naming where (`filters.search`).

The webhook keeps its own parser (trading/signals/api/webhook_views.py). A body over
DATA_UPLOAD_MAX_MEMORY_SIZE never reaches a parser: Django refuses to read it, and the API's
exception handler answers 413 (config/api/errors.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import IO, Any

from rest_framework import exceptions, parsers
from rest_framework.utils import json

# The API's bodies are a few levels deep; far deeper is an attack, not a configuration.
MAX_DEPTH = 32
# Either can only come from a JSON escape (a raw NUL is not valid JSON; raw surrogate bytes are
# not valid UTF-8), so a body without one of these escapes needs no walk for them.
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:[dD][89a-fA-F][0-9a-fA-F]{2}|0000)")
MAX_PATH = 120
NOT_TEXT = (
    "Holds a character that is not text (a lone surrogate such as \\ud800, or a NUL); "
    "send the value as plain UTF-8 text."
)


class SafeJSONParser(parsers.JSONParser):
    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = stream.read().decode(encoding)
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError:
            raise too_deep() from None
        except ValueError as exc:  # UnicodeDecodeError included; neither message quotes the body
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        # Depth needs a bracket per level, unstorable text an escape: most bodies skip the walk.
        if text.count("{") + text.count("[") > MAX_DEPTH or _UNSTORABLE_ESCAPE.search(text):
            refuse_unsafe(data)
        return data


def refuse_unsafe(data: object) -> None:
    """Raise the 400 for the first place in `data` (body order) nested deeper than MAX_DEPTH or
    holding a lone surrogate or a NUL, in a key or a string. Iterative: the stack cannot overflow."""
    stack: list[tuple[tuple[str, ...], object, int]] = [((), data, 0)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                raise too_deep()
            items = list(value.items() if isinstance(value, dict) else enumerate(value))
            for key, child in reversed(items):  # pushed backwards, popped in the body's order
                if isinstance(key, str) and not storable(key):
                    raise _not_text((*path, key))
                stack.append(((*path, str(key)), child, depth + 1))
        elif isinstance(value, str) and not storable(value):
            raise _not_text(path)


def storable(text: str) -> bool:
    """False for text holding a NUL or a lone surrogate (strict UTF-8 cannot encode one)."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def shown(text: str) -> str:
    """`text` safe to echo in an answer: what cannot be encoded written as its escape."""
    return text.encode("utf-8", "backslashreplace").decode().replace("\x00", "\\x00")


def too_deep() -> exceptions.ParseError:
    return exceptions.ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels deep.")


def _not_text(path: tuple[str, ...]) -> exceptions.ValidationError:
    where = ".".join(shown(step) for step in path)[:MAX_PATH] or "body"
    return exceptions.ValidationError({where: [NOT_TEXT]})
