"""What an exchange or broker account's owner is told about the account itself (notifications/):
its keys refused at validation (`key_invalid`), and its work held back by the rate limit for long
(`rate_limited`, the rule in brokers/ratelimit.py). Each also goes to the owner's service log.
Never a secret: account ids, the exchange, the label, the exchange's safe message."""

from __future__ import annotations

import logging
import time
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from notifications.services.notify import notify

if TYPE_CHECKING:
    from .models import ExchangeConfig

logger = logging.getLogger("brokers.notices")


class Owner(Protocol):
    """Whose work was held back (brokers.ratelimit.Owner; not imported: ratelimit imports us)."""

    user_id: str
    account_id: str
    exchange: str
    label: str


# Rate-limit answers (429/418) to one account's requests within one window that count as "for
# long" however short each back-off was: the exchange keeps pushing back.
RATE_LIMITED_ANSWERS = 3


def _name(exchange: str, label: str) -> str:
    return f"{exchange} ({label})"


def key_invalid_tell(config: ExchangeConfig, error: str) -> None:
    """The owner's `key_invalid`: validation says the exchange refused the keys (or the key may not
    trade). Called in the validation's transaction, only when the refusal is new."""
    name = _name(config.exchange, config.label)
    message = f"{name} refused this account's keys at validation: {error} Replace them on the Accounts page."
    logger.warning(message, extra={"user_id": str(config.user_id), "category": "TRADING"})
    notify(
        config.user_id,
        "key_invalid",
        title=f"Keys refused: {name}",
        message=message,
        link="/accounts",
        data={"account_id": str(config.pk), "exchange": config.exchange, "label": config.label},
    )


def rate_limited_window() -> float:
    return max(1.0, float(settings.NOTIFY_RATE_LIMITED_SECONDS))


def rate_limited_held(owner: Owner, *, seconds: float, answer: bool, exchange: str = "") -> None:
    """One hold of `owner`'s work (`answer`: it came with a 429/418). Tells the owner once per
    window when the hold is a window long or longer, or when it is the RATE_LIMITED_ANSWERS-th
    answer within the window. Cheap when neither: most holds are a fraction of a second."""
    window = rate_limited_window()
    answers = 0
    if seconds < window:
        if not answer:
            return
        key = f"notify:rl-answers:{owner.account_id}:{int(time.time() // window)}"
        cache.add(key, 0, int(window) + 1)
        try:
            answers = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, int(window) + 1)
            answers = 1
        if answers < RATE_LIMITED_ANSWERS:
            return
    tell = partial(_rate_limited_tell, owner, seconds=seconds, answers=answers, window=window)
    if transaction.get_connection().in_atomic_block:
        # The hold happened whatever the caller's transaction does; but a notification row
        # written in it would go with a rollback, so it is written after (once-only taken then).
        transaction.on_commit(tell, robust=True)
    else:
        tell()


def _rate_limited_tell(owner: Owner, *, seconds: float, answers: int, window: float) -> None:
    if not cache.add(f"notify:rate-limited:{owner.account_id}", 1, int(window)):
        return  # told within this window already
    name = _name(owner.exchange, owner.label)
    if answers:
        why = f"the exchange answered 'too many requests' {answers} times within {window:.0f} s"
    else:
        why = f"its requests were held back {seconds:.0f} s in one go"
    message = (
        f"{name} is rate limiting you: {why}. Work on this account (orders, fills, checks) waits "
        "until the exchange allows more."
    )
    logger.warning(message, extra={"user_id": owner.user_id, "category": "TRADING"})
    data: dict[str, Any] = {
        "account_id": owner.account_id,
        "exchange": owner.exchange,
        "label": owner.label,
        "held_seconds": round(seconds, 1),
        "answers": answers,
    }
    notify(
        owner.user_id,
        "rate_limited",
        title=f"Rate limited: {name}",
        message=message,
        link="/accounts",
        data=data,
    )
