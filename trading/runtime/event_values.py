"""Values as the engine's live events carry them (the same text the API shows)."""

from __future__ import annotations

from typing import Any


def text(value: Any) -> str | None:
    return None if value is None else str(value)


def plain(value: Any) -> str | None:
    """A Decimal as the API shows it: "95.5", not "95.500000000000000000"."""
    return None if value is None else format(value.normalize(), "f")
