"""What trading does when its user closes their account (`account_closing`, accounts/hooks.py).

It runs inside the closing transaction and before the exchange keys are wiped (brokers wipes
them once that transaction commits, brokers/closing.py), so everything that needs the exchange
is done here and now, not by tasks that would find the keys gone: the service stops, queued
signals are cancelled, every live order is cancelled on the exchange, and with
`close_positions` every open position is sold at market. Positions left at the exchange are
marked closed here (`account_deleted`), so no tick acts on them with keys that are gone. An
exchange that fails one of these calls does not stop the closing: the account closes anyway and
the summary (kept in the audit entry) counts what could not be done.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.hooks import account_closing
from brokers.errors import BrokerError
from trading.execution.services.exits import group_close, group_close_finish
from trading.execution.services.orders import order_cancel, order_place
from trading.positions.models import (
    LIVE_ORDER_STATUSES,
    OPEN_GROUP_STATUSES,
    DCAOrder,
    GroupStatus,
    OrderRole,
    PositionGroup,
)
from trading.queue.services.queue import queue_clear
from trading.runtime.services import service_is_running
from trading.service.services import service_stop

logger = logging.getLogger("tradefleet.trading.service")

REASON = "account_deleted"
# Open and not being sold: what the engine would still watch and act on.
_TRACKED = tuple(status for status in OPEN_GROUP_STATUSES if status != GroupStatus.CLOSING)


def _orders_cancel(user_id: Any) -> tuple[int, int]:
    """Cancel every live order of the user on the exchange now. Returns (cancelled, failed)."""
    done = failed = 0
    for order_id in DCAOrder.objects.filter(user_id=user_id, status__in=LIVE_ORDER_STATUSES).values_list(
        "pk", flat=True
    ):
        try:
            order_cancel(order_id=str(order_id))
            done += 1
        except BrokerError as exc:
            failed += 1
            logger.warning("order %s not cancelled while closing an account: %s", order_id, exc)
    return done, failed


def _positions_close(user_id: Any) -> tuple[int, int]:
    """Sell what every open position holds at market, now. Returns (closed, failed)."""
    done = failed = 0
    for group in PositionGroup.objects.filter(user_id=user_id, status__in=OPEN_GROUP_STATUSES):
        try:
            group_close(group=group, reason=REASON)
        except ValidationError:
            continue  # closed meanwhile
        try:
            group_close_finish(group_id=str(group.pk))  # cancels what rests, adds the sell order
            for order_id in DCAOrder.objects.filter(
                group_id=group.pk, role=OrderRole.CLOSE, status__in=LIVE_ORDER_STATUSES
            ).values_list("pk", flat=True):
                order_place(order_id=str(order_id))
            done += 1
        except BrokerError as exc:
            failed += 1
            logger.warning("position %s not closed while closing an account: %s", group.pk, exc)
    return done, failed


def _positions_untrack(user_id: Any) -> int:
    """Stop tracking the positions left at the exchange: marked closed here (their holdings stay
    at the exchange), so no take-profit or risk tick tries to sell them with the wiped keys."""
    now = timezone.now()
    return PositionGroup.objects.filter(user_id=user_id, status__in=_TRACKED).update(
        status=GroupStatus.CLOSED, close_reason=REASON, closed_at=now, updated_at=now
    )


def account_close_trading(*, user: Any, close_positions: bool) -> dict[str, int]:
    """Stop the user's trading and take their orders (and, if asked, positions) off the
    exchange; the counts go into the account's audit entry."""
    if service_is_running(user.pk):
        service_stop(user=user, actor=user, reason="account deleted")
    summary = {"queue_cleared": queue_clear(user_id=user.pk, reason=REASON)}
    if close_positions:
        summary["positions_closed"], summary["positions_not_closed"] = _positions_close(user.pk)
    summary["orders_cancelled"], summary["orders_not_cancelled"] = _orders_cancel(user.pk)
    summary["positions_left"] = _positions_untrack(user.pk)
    return summary


def _account_closing(sender: Any, *, user: Any, close_positions: bool, **_: Any) -> dict[str, int]:
    return account_close_trading(user=user, close_positions=close_positions)


def connect() -> None:
    account_closing.connect(_account_closing, dispatch_uid="trading-account-closing")
