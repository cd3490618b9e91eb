"""Timeframes, pure: TradingView's `{{interval}}` in the canonical form a DCA configuration and
a signal are matched on ("60", "1h" and "60m" are one timeframe)."""

from __future__ import annotations

import re


class TimeframeInvalid(ValueError):
    """`problem` completes a sentence that starts with the value, for a trader."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


# TradingView's {{interval}}: minutes as bare digits ("1", "60", "240"), else a count and a unit
# ("1D", "D", "1W", "1M", "30S"). Lower-case m/h/d/w/s are accepted for hand-written alerts;
# upper-case "M" is a month (TradingView), lower-case "m" a minute (as in exchange APIs).
INTERVAL = re.compile(r"([0-9]{1,5})?([SsmHhDdWwM]?)")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2592000}
# Canonical form: the largest unit that divides the period evenly, so "60" and "1h" and "60m" are
# the same timeframe and match one DCA configuration. Months are kept apart (30 days for the
# seconds, as ccxt counts them) because 1M is a calendar candle, not 30 daily ones.
CANONICAL_UNITS = (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
MAX_TIMEFRAME_SECONDS = 366 * 86400


def canonical_timeframe(raw: str) -> tuple[str, int]:
    """(`15m`, 900) from TradingView's interval; see CANONICAL_UNITS."""
    match = INTERVAL.fullmatch(raw)
    if match is None or raw == "" or (match.group(1) is None and not match.group(2)):
        raise TimeframeInvalid("is not a TradingView interval")
    count = int(match.group(1) or "1")
    unit = match.group(2) or "m"
    unit = unit if unit == "M" else unit.lower()
    seconds = count * UNIT_SECONDS[unit]
    if count == 0 or seconds > MAX_TIMEFRAME_SECONDS:
        raise TimeframeInvalid("is not a usable interval")
    if unit == "M":
        return f"{count}M", seconds
    for name, size in CANONICAL_UNITS:
        if seconds % size == 0:
            return f"{seconds // size}{name}", seconds
    raise AssertionError("unreachable: every period is a whole number of seconds")


def timeframe_seconds(timeframe: str) -> int:
    """The seconds of a stored (canonical) timeframe; 0 for none ("any timeframe")."""
    try:
        return canonical_timeframe(timeframe)[1] if timeframe else 0
    except TimeframeInvalid:
        return 0
