"""Telling a trader that the NSE strategy's market data is late when a task needs it: the daily
candles of the last close missing or not refreshed (the analysis, the sells, the position
monitor), or no live quote for a holding (the sells, the position monitor).

One journal line and one `market_data_late` notification per trader, IST day and cause: the sell
monitor runs every minute, and a provider that is late stays late for a while. The task itself
goes on without those stocks (its own result names them), so this never raises.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.cache import cache

from brokers.nse_calendar import IST
from notifications.services.notify import notify
from trading.runtime.journal import trade_log

logger = logging.getLogger("tradefleet.trading.equities")

DAILY_BARS = "daily_bars"
QUOTES = "quotes"
# The once-only key names the IST day; it only has to outlive that day.
ONCE_SECONDS = 36 * 3600
NAMED = 10  # stocks named in the message; the data keeps up to 50


def _named(problems: Mapping[str, str]) -> str:
    shown = [f"{symbol} ({why})" if why else symbol for symbol, why in sorted(problems.items())[:NAMED]]
    more = len(problems) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _sentence(cause: str, problems: Mapping[str, str], *, close: str, needed_by: str) -> str:
    if cause == QUOTES:
        return (
            f"NSE market data late: no live price for {len(problems)} holding(s), so {needed_by} "
            f"skipped them: {_named(problems)}."
        )
    return (
        f"NSE market data late: the daily candles of {len(problems)} stock(s) for the {close} close "
        f"are missing or could not be refreshed, so {needed_by} went without them: {_named(problems)}."
    )


def market_data_late(
    *,
    user_id: Any,
    cause: str,
    problems: Mapping[str, str],
    now: datetime,
    close: str = "",
    needed_by: str,
    link: str,
) -> bool:
    """Tell the trader (journal and notification) that `problems` ({symbol: why, or ""}) lacked
    their `cause` data when `needed_by` ran; once per trader, IST day of `now` and cause.
    Returns whether it told them now."""
    if not problems:
        return False
    day = now.astimezone(IST).date().isoformat()
    try:
        if not cache.add(f"notify:market-data-late:{user_id}:{day}:{cause}", 1, ONCE_SECONDS):
            return False
        message = _sentence(cause, problems, close=close, needed_by=needed_by)
        symbols = sorted(problems)[:50]
        trade_log(user_id, message, level=logging.WARNING, cause=cause, day=day, symbols=symbols)
        title = "NSE market data late: " + ("live prices" if cause == QUOTES else "daily candles")
        notify(
            user_id,
            "market_data_late",
            title=title,
            message=message,
            link=link,
            data={"cause": cause, "day": day, "close": close, "symbols": symbols},
        )
    except Exception:  # the task goes on without the stocks either way
        logger.exception("could not tell user %s that market data is late", user_id)
        return False
    return True
