"""The trade journal: each step of a trader's positions told in their own service log.

    trade_log(user.id, "Leg 2 filled: bought 3.0303 BTC/USDT at 99.", position_id=group.pk)

A line goes through the `tradefleet.trading.journal` logger with the trader's id and a category,
so the service-log handler (auditlog/log_handler.py) stores it as that trader's `ServiceLog` row:
their Logs page, `GET logs`, `GET service/logs`, their daily log file and the `log.created` live
event. Another user never sees it; admins see every user's.

- One readable sentence per step (a signal processed, an order placed or failed, a leg filled, a
  take-profit placed or hit, a close started, a position closed); ids, prices and quantities go
  in the keyword arguments, which become the row's `context`.
- INFO for what happened, WARNING for what failed or was refused; category TRADING, or RISK for
  the risk engine's actions.
- After commit: called inside a transaction, the line is written once it commits and never for a
  rollback (as live events are, positions/events.py). Its time is the step's, not the commit's,
  so the story reads in the order the engine took the steps even where on-commit work (sending
  the first order) runs first.
- Never raises, never blocks: the handler queues the line and a background thread writes it.
- No secrets: pass ids and numbers, never an API key, a webhook secret or a raw webhook body.
  The handler redacts what looks secret anyway.

It lives in trading/runtime, the lowest layer, so every subpackage may call it (signals' webhook
refusals included); the words about positions are in trading/positions/journal.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction

JOURNAL_LOGGER = "tradefleet.trading.journal"
TRADING = "TRADING"
RISK = "RISK"
MAX_PLACES = 8

logger = logging.getLogger(JOURNAL_LOGGER)

# Names a LogRecord owns (or the handler routes on): a context key spelled like one is renamed
# with a trailing underscore instead of breaking the caller (`logging` raises on a clash).
_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "user_id",
    "category",
    "service_log",
}


def trade_log(
    user_id: Any,
    message: str,
    *,
    level: int = logging.INFO,
    category: str = TRADING,
    **context: Any,
) -> None:
    """Tell one step in `user_id`'s service log (see the module docstring). `message` is a
    finished sentence (no %-formatting); `context` values may be ids, Decimals, datetimes, text."""
    if user_id is None or not logger.isEnabledFor(level):
        return
    try:
        extra = {_key(key): _value(value) for key, value in context.items()}
        extra["user_id"] = str(getattr(user_id, "pk", user_id))
        extra["category"] = category
        if transaction.get_connection().in_atomic_block:
            # robust: a failing line must not stop the on-commit work registered after it.
            transaction.on_commit(partial(_emit, level, message, extra, time.time()), robust=True)
        else:
            _emit(level, message, extra, None)
    except Exception:  # a journal line never takes the engine down
        logger.debug("journal line dropped", exc_info=True, extra={"service_log": False})


def _emit(level: int, message: str, extra: dict[str, Any], moment: float | None) -> None:
    try:
        record = logger.makeRecord(logger.name, level, __file__, 0, message, None, None, extra=extra)
        if moment is not None:  # the step's time, not the commit's
            record.created = moment
            record.msecs = (moment - int(moment)) * 1000
        logger.handle(record)
    except Exception:
        logger.debug("journal line dropped", exc_info=True, extra={"service_log": False})


def _key(key: str) -> str:
    return f"{key}_" if key in _RESERVED or key.startswith("_") else key


def _value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return amount(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "pk") and not isinstance(value, str | int | float | bool):
        return str(value.pk)  # a model row: its id
    return value


def amount(value: Any) -> str:
    """A number as a trader reads it: "95.5", not "95.500000000000000000", at most 8 decimals
    (an average entry is a long fraction); "?" when unknown."""
    if value is None:
        return "?"
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -MAX_PLACES:
            value = value.quantize(Decimal(1).scaleb(-MAX_PLACES))
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "") else text
    return str(value)


def signed(value: Any) -> str:
    """A profit or loss with its sign: "+3.92", "-1.5", "0"."""
    text = amount(value)
    return f"+{text}" if isinstance(value, Decimal) and value > 0 else text
