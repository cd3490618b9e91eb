"""Field readers for the TradingView webhook body, pure (no Django), used by `trading.signals.webhook`.

Every reader takes the dotted path of the field so a rejection names it, and raises only
`SignalRejected`. Values are echoed in reasons through `shown()`, short and quoted, because a
trader fixing an alert needs to see what TradingView actually sent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from trading.dca.timeframes import TimeframeInvalid, canonical_timeframe

PLACEHOLDER = re.compile(r"\{\{.*?\}\}", re.DOTALL)
# ASCII only: `\d` and Decimal() also accept other scripts' digits and "1_000", which no
# TradingView placeholder produces and which a trader would not expect to be read as a number.
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
MAX_NUMBER_TEXT = 48  # longer than any price or size TradingView prints; bounds the parsing work
# No price, size or percent on any market is 1e15 or more, or below 1e-18 (the smallest step of
# an 18-decimal token); beyond that the number is a template mistake, not a trade.
MAX_NUMBER = Decimal("1e15")
MIN_EXPONENT = -18


class SignalRejected(ValueError):
    """A webhook body we will not act on: `field` (dotted path), `reason` (for a trader), `code`.

    `code` is one of: `invalid_body`, `too_large`, `placeholder`, `stale`, `future`, `missing`,
    `invalid`, `unsupported`.
    """

    def __init__(self, field: str, reason: str, code: str = "invalid") -> None:
        self.field = field
        self.reason = reason
        self.code = code
        super().__init__(f"{field}: {reason}")


def shown(value: object) -> str:
    """A short, quoted rendering of a sent value for a rejection reason."""
    text = value if isinstance(value, str) else type(value).__name__
    return repr(text[:40] + "…") if len(text) > 40 else repr(text)


def block(body: Mapping[str, object], name: str, *, required: bool = True) -> Mapping[str, object]:
    """The JSON object at `name`; an absent optional block reads as empty."""
    value = body.get(name)
    if value is None:
        if required:
            raise SignalRejected(name, f"the '{name}' block is missing from the alert message", "missing")
        return {}
    if not isinstance(value, Mapping):
        raise SignalRejected(name, f"'{name}' must be a JSON object", "invalid")
    return value


def text(
    container: Mapping[str, object], key: str, path: str, *, required: bool, max_length: int = 200
) -> str | None:
    """A string field, stripped. Empty means absent: TradingView renders an unset
    `{{strategy.order.comment}}` and friends as "". Numbers are accepted as text (trade ids)."""
    value = container.get(key)
    if isinstance(value, bool):
        raise SignalRejected(path, "must be text, not true/false", "invalid")
    if isinstance(value, int):
        value = str(value) if abs(value) < 10**30 else None  # str() of a huge int may raise
        if value is None:
            raise SignalRejected(path, "is not a sensible value", "invalid")
    if value is not None and not isinstance(value, str):
        raise SignalRejected(path, "must be text", "invalid")
    value = (value or "").strip()
    if PLACEHOLDER.search(value):
        raise SignalRejected(
            path,
            f"still holds a TradingView placeholder ({shown(value)}); it was not replaced",
            "placeholder",
        )
    if not value:
        if required:
            raise SignalRejected(path, "is missing or empty", "missing")
        return None
    if len(value) > max_length:
        raise SignalRejected(path, f"is longer than {max_length} characters", "invalid")
    if not value.isprintable():  # every character, as one C call
        raise SignalRejected(path, "contains control characters", "invalid")
    return value


def required_text(container: Mapping[str, object], key: str, path: str, *, max_length: int = 200) -> str:
    """`text()` for a field that must be there (a typed result instead of an assert)."""
    value = text(container, key, path, required=True, max_length=max_length)
    if value is None:  # text() raises first; kept so the type is str without an assert
        raise SignalRejected(path, "is missing or empty", "missing")
    return value


def required_choice(container: Mapping[str, object], key: str, path: str, options: tuple[str, ...]) -> str:
    value = choice(container, key, path, options, required=True)
    if value is None:  # choice() raises first; kept so the type is str without an assert
        raise SignalRejected(path, "is missing or empty", "missing")
    return value


def choice(
    container: Mapping[str, object], key: str, path: str, options: tuple[str, ...], *, required: bool
) -> str | None:
    """A case-insensitive choice among `options`, returned lower-case."""
    value = text(container, key, path, required=required, max_length=40)
    if value is None:
        return None
    if value.lower() not in options:
        raise SignalRejected(path, f"{shown(value)} is not one of: {', '.join(options)}", "unsupported")
    return value.lower()


def number(
    container: Mapping[str, object],
    key: str,
    path: str,
    *,
    required: bool = False,
    positive: bool = True,
    maximum: Decimal = MAX_NUMBER,
) -> Decimal | None:
    """A non-negative Decimal (strictly positive when `positive`) from a JSON number or text."""
    value = container.get(key)
    if isinstance(value, str):
        value = value.strip()
        if PLACEHOLDER.search(value):
            raise SignalRejected(
                path,
                f"still holds a TradingView placeholder ({shown(value)}); it was not replaced",
                "placeholder",
            )
    if value is None or value == "":
        if required:
            raise SignalRejected(path, "is missing or empty", "missing")
        return None
    parsed = to_decimal(value, path)
    if parsed < 0 or (positive and parsed == 0):
        raise SignalRejected(path, f"must be {'above' if positive else 'at least'} zero", "invalid")
    if parsed >= maximum:
        raise SignalRejected(path, f"must be below {maximum}", "invalid")
    if parsed != 0 and parsed.adjusted() < MIN_EXPONENT:
        raise SignalRejected(path, "is too small to be a real price or size", "invalid")
    return parsed


def to_decimal(value: object, path: str) -> Decimal:
    """A finite Decimal of bounded size; JSON floats go through str(), never Decimal(float),
    so 0.2 stays 0.2 and not 0.2000000000000000111."""
    if isinstance(value, bool):
        raise SignalRejected(path, "must be a number, not true/false", "invalid")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SignalRejected(path, "must be a finite number", "invalid")
        value = str(value)
    elif isinstance(value, int):
        if abs(value) >= 10**30:  # checked before str(): huge ints are slow or refused by str()
            raise SignalRejected(path, "is not a sensible number", "invalid")
        value = str(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise SignalRejected(path, "must be a finite number", "invalid")
        value = str(value)
    if not isinstance(value, str):
        raise SignalRejected(path, "must be a number", "invalid")
    if len(value) > MAX_NUMBER_TEXT or not NUMBER.fullmatch(value):
        raise SignalRejected(path, f"{shown(value)} is not a number", "invalid")
    try:
        return Decimal(value)
    except InvalidOperation:  # the regex admits only what Decimal reads; kept for safety
        raise SignalRejected(path, f"{shown(value)} is not a number", "invalid") from None


# Epoch values above this are milliseconds: 1e11 seconds is the year 5138, 1e11 ms is 1973.
EPOCH_MS_THRESHOLD = Decimal(10**11)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def timestamp(container: Mapping[str, object], key: str, path: str) -> datetime:
    """An aware UTC datetime from ISO 8601 (`{{timenow}}` is `2024-01-01T12:00:00Z`) or from
    epoch seconds / milliseconds (JSON number or digits)."""
    value = container.get(key)
    if isinstance(value, str) and not NUMBER.fullmatch(value.strip()):
        raw = required_text(container, key, path, max_length=40)
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            raise SignalRejected(
                path, f"{shown(raw)} is not a time; use TradingView's {{{{timenow}}}}", "invalid"
            ) from None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            # A zone-less time could be any zone; guessing would misjudge the signal's age.
            raise SignalRejected(path, "needs a time zone (TradingView's timenow ends in Z)", "invalid")
        try:
            return parsed.astimezone(UTC)
        except OverflowError:  # "0001-01-01T00:00+14:00" has no UTC equivalent in datetime's range
            raise SignalRejected(path, f"{shown(raw)} is not a plausible time", "invalid") from None
    if value is None or value == "":
        raise SignalRejected(path, "is missing or empty", "missing")
    seconds = to_decimal(value.strip() if isinstance(value, str) else value, path)
    if seconds >= EPOCH_MS_THRESHOLD:
        seconds /= 1000
    if not Decimal(0) < seconds < Decimal(253402300799):  # datetime's own range ends in 9999
        raise SignalRejected(path, "is not a plausible epoch time", "invalid")
    whole = int(seconds)
    # Built from integers so sub-second epochs never pass through a float.
    return EPOCH + timedelta(seconds=whole, microseconds=int((seconds - whole) * 1_000_000))


def timeframe(container: Mapping[str, object], key: str, path: str) -> tuple[str, int]:
    """(`15m`, 900) from TradingView's interval (trading/dca/timeframes.py)."""
    raw = required_text(container, key, path, max_length=10)
    try:
        return canonical_timeframe(raw)
    except TimeframeInvalid as exc:
        raise SignalRejected(path, f"{shown(raw)} {exc.problem}", "invalid") from None
