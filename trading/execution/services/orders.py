"""Exactly-once order placement and cancellation.

An order row is committed (status `pending`, client order id fixed) before anything is sent.
A worker then *claims* it: a locked conditional update to `submitting` with a lease. Whoever
finds a row already `submitting` (a retry, a redelivered message after a worker died, the
sweeper) does not know whether the earlier attempt reached the exchange, so it looks the order
up by client order id first and only sends when the exchange has never seen it. A worker killed
at any instant therefore leaves either an unsent row (re-sent by the sweeper) or a sent order
(found by the lookup): never a duplicate, never a lost order.

Errors where the exchange answered (rejected, insufficient funds) fail the row with the
exchange's message and are never retried blindly; errors where the outcome is unknown
(timeouts, 5xx) release the lease and let the task retry, lookup first.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone

from auditlog.services import record
from brokers.adapters.base import Order, OrderType, Side
from brokers.adapters.base import OrderStatus as ExchangeStatus
from brokers.adapters.cache import cached_adapter_for
from brokers.adapters.equities import EquitiesBrokerAdapter, Product
from brokers.errors import BrokerError, ExchangeUnavailable, InvalidOrder, OrderNotFound, RateLimited
from config.tasks import task_named
from trading.execution.services.fills import lock_order, order_apply
from trading.execution.services.order_metrics import order_placement_observe
from trading.execution.services.order_rows import enqueue_cancel, send_place
from trading.positions.events import order_event, position_event
from trading.positions.journal import order_context, order_what
from trading.positions.models import (
    DONE_STATUSES,
    RESTING_STATUSES,
    UNSENT_STATUSES,
    DCAOrder,
    GroupStatus,
    OrderStatus,
    PositionGroup,
)
from trading.positions.services import group_refresh
from trading.runtime import task_names as names
from trading.runtime.journal import amount, trade_log

logger = logging.getLogger("tradefleet.trading.orders")

# Give up on an order the exchange keeps not answering after this many claims (each looked up
# first): it is marked failed once a lookup says the exchange never saw it.
MAX_ATTEMPTS = 20
SWEEP_PENDING_AFTER = timedelta(seconds=10)


def place_after_commit(orders: list[DCAOrder]) -> None:
    """Send a new grid: the first order from this worker right after the commit (it is the one a
    trader waits for; no second broker hop), the others as tasks other workers take in parallel.
    If the inline attempt cannot finish, its task takes over (lookup first, as always)."""
    if not orders:
        return
    first, rest = orders[0], orders[1:]
    order_id, user_id, role = str(first.pk), str(first.user_id), str(first.role)

    def place_first() -> None:
        try:
            if first.status == OrderStatus.SUBMITTING:
                order_place_claimed(first)
            else:
                order_place(order_id=order_id)
        except Exception:
            logger.warning(
                "inline placement of %s did not finish; handing it to a task", order_id, exc_info=True
            )
            send_place(order_id=order_id, user_id=user_id, role=role)

    transaction.on_commit(place_first)
    if rest:
        # One task for the rest of the grid: a task's own overhead (message, ack, bookkeeping)
        # costs about what placing an order does.
        ids = [str(order.pk) for order in rest]
        transaction.on_commit(lambda: task_named(names.PLACE_ORDERS).delay(order_ids=ids, user_id=user_id))


def _claim(order_id: str) -> tuple[DCAOrder, bool] | None:
    """Take the row for sending. Returns (order, outcome_unknown) or None when there is nothing
    to send (already sent, done, or another worker holds a live lease).

    The common case, a fresh `pending` row, is one conditional UPDATE (no transaction round
    trips); anything else (a retry, a cancel requested) takes the locked path."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.TRADING_ORDER_LEASE_SECONDS)
    if DCAOrder.objects.filter(pk=order_id, status=OrderStatus.PENDING, cancel_requested=False).update(
        status=OrderStatus.SUBMITTING,
        attempts=F("attempts") + 1,
        lease_until=lease,
        submitted_at=now,
        updated_at=now,
    ):
        order = DCAOrder.objects.select_related("group__account").get(pk=order_id)
        return order, False
    with transaction.atomic():
        order = (
            DCAOrder.objects.select_for_update(of=("self",))
            .select_related("group__account")
            .filter(pk=order_id)
            .first()
        )
        if order is None or order.status not in UNSENT_STATUSES:
            return None
        if order.status == OrderStatus.SUBMITTING and order.lease_until and order.lease_until > now:
            return None
        if order.cancel_requested and order.status == OrderStatus.PENDING:
            order.status = OrderStatus.CANCELLED
            order.save(update_fields=["status", "updated_at"])
            order_event(order)
            return None
        outcome_unknown = order.status == OrderStatus.SUBMITTING
        order.status = OrderStatus.SUBMITTING
        order.attempts += 1
        order.lease_until = lease
        order.submitted_at = order.submitted_at or now
        order.save(update_fields=["status", "attempts", "lease_until", "submitted_at", "updated_at"])
    return order, outcome_unknown


def _release(order: DCAOrder, error: str) -> None:
    """Unknown outcome: keep `submitting` (the next try looks up first) but let it retry now."""
    DCAOrder.objects.filter(pk=order.pk, status=OrderStatus.SUBMITTING).update(
        lease_until=None, last_error=error[:2000], updated_at=timezone.now()
    )


def _fail(order: DCAOrder, error: str) -> None:
    with transaction.atomic():
        locked = lock_order(order.pk)
        if locked is None:
            return
        group, row = locked
        if row.status in DONE_STATUSES:
            return
        row.status = OrderStatus.FAILED
        row.last_error = error[:2000]
        row.lease_until = None
        row.save(update_fields=["status", "last_error", "lease_until", "updated_at"])
        order_event(row)
        # Told (on commit) before the group's failure it may cause.
        trade_log(
            order.user_id,
            f"Order not placed: {_described(row, group)}: {error}",
            level=logging.WARNING,
            **order_context(row),
            error=error[:500],
        )
        group_refresh(group_id=group.pk, group=group)


def _described(order: DCAOrder, group: PositionGroup) -> str:
    """An order as the journal tells it: `limit buy 4 BTC/USDT at 100, leg 1 of long BTC/USDT 1h`."""
    at = f"at {amount(order.price)}" if order.order_type == OrderType.LIMIT else "at market"
    return (
        f"{order.order_type} {order.side} {amount(order.quantity)} {order.symbol} {at}, "
        f"{order_what(order, group)}"
    )


def _placed_log(order: DCAOrder, placed: Order, *, found: bool = False) -> None:
    how = "found on the exchange after an unanswered attempt" if found else "placed"
    exchange_id = placed.id or order.exchange_order_id or "?"
    trade_log(
        order.user_id,
        f"Order {how}: {_described(order, order.group)}; exchange order {exchange_id}.",
        **{**order_context(order), "exchange_order_id": exchange_id},
    )


def _lookup(adapter: Any, order: DCAOrder) -> Order | None:
    try:
        found: Order = adapter.fetch_order_by_client_id(
            symbol=order.symbol, client_order_id=order.client_order_id
        )
    except OrderNotFound:
        return None
    return found


def claim_for_inline_send(order: DCAOrder) -> None:
    """Mark a new, unsaved order as claimed by the worker creating it, which sends it right after
    the commit (`place_after_commit`). Should that worker die first, the lease runs out and the
    sweeper's worker looks it up before sending, as for any claimed order."""
    now = timezone.now()
    order.status = OrderStatus.SUBMITTING
    order.attempts = 1
    order.lease_until = now + timedelta(seconds=settings.TRADING_ORDER_LEASE_SECONDS)
    order.submitted_at = now


def order_place(*, order_id: str) -> None:
    """Send one order exactly once (see the module docstring)."""
    claimed = _claim(order_id)
    if claimed is None:
        return
    order, outcome_unknown = claimed
    _send(order, outcome_unknown=outcome_unknown)


def order_place_claimed(order: DCAOrder) -> None:
    """Send an order this worker has just committed already claimed (`claim_for_inline_send`).
    The row is ours until its lease ends, so the copy in memory is the row."""
    _send(order, outcome_unknown=False)


def _send(order: DCAOrder, *, outcome_unknown: bool) -> None:
    adapter = cached_adapter_for(order.group.account)
    try:
        if outcome_unknown:
            found = _lookup(adapter, order)
            if found is not None:
                order_placement_observe(order, placed=True)
                _placed_log(order, found, found=True)  # before its fills, which order_apply tells
                order_apply(order_id=order.pk, exchange_order=found)
                return
            if order.attempts > MAX_ATTEMPTS:
                _fail(order, f"not placed after {MAX_ATTEMPTS} attempts: {order.last_error}")
                return
        stale = timezone.now() - order.created_at
        if (
            order.order_type == OrderType.MARKET
            and not order.amo  # an after-market order fills at the next open whenever it is sent
            and stale.total_seconds() > settings.TRADING_MARKET_ORDER_MAX_AGE_SECONDS
        ):
            _fail(
                order,
                f"not sent: a market order {int(stale.total_seconds())} s old would trade at a stale price",
            )
            return
        try:
            placed = _create(adapter, order)
        except ExchangeUnavailable:
            # A 5xx or timeout may come after the exchange applied the order: look before retrying.
            found = _lookup(adapter, order)
            if found is None:
                raise
            placed = found
    except (ExchangeUnavailable, RateLimited) as exc:
        if isinstance(exc, ExchangeUnavailable):  # a rate-limit refusal never reached the exchange
            order_placement_observe(order, placed=False)
        _release(order, exc.message or type(exc).__name__)
        raise
    except BrokerError as exc:
        order_placement_observe(order, placed=False)
        _fail(order, exc.message or type(exc).__name__)
        return
    order_placement_observe(order, placed=True)
    if _acknowledge_resting(order, placed):
        _placed_log(order, placed)  # after the acknowledgement: the first order's latency is P2
        return
    _placed_log(order, placed)  # before its fills, which order_apply tells
    order_apply(order_id=order.pk, exchange_order=placed)


def _create(adapter: Any, order: DCAOrder) -> Order:
    price = order.price if order.order_type == OrderType.LIMIT else None
    if order.amo:
        if not isinstance(adapter, EquitiesBrokerAdapter):
            raise InvalidOrder(f"{order.group.exchange} takes no after-market orders", exchange="")
        return adapter.create_equity_order(
            symbol=order.symbol,
            side=Side(order.side),
            type=OrderType(order.order_type),
            quantity=order.quantity,
            price=price,
            product=Product.CNC,
            amo=True,
            client_order_id=order.client_order_id,
        )
    placed: Order = adapter.create_order(
        symbol=order.symbol,
        side=Side(order.side),
        type=OrderType(order.order_type),
        amount=order.quantity,
        price=price,
        client_order_id=order.client_order_id,
    )
    return placed


def _acknowledge_resting(order: DCAOrder, placed: Order) -> bool:
    """The common answer, an order resting with nothing filled, recorded with two conditional
    updates instead of the locked recomputation `order_apply` does for fills. False when the
    answer is anything else or the row moved on meanwhile (then order_apply takes it)."""
    if placed.status != ExchangeStatus.OPEN or placed.filled > 0 or not placed.id:
        return False
    now = timezone.now()
    # Two statements in autocommit: each is atomic alone, and the second only ever moves a group
    # from `waiting` to `live`, which any order resting on the exchange justifies.
    updated = DCAOrder.objects.filter(pk=order.pk, status__in=UNSENT_STATUSES).update(
        status=OrderStatus.OPEN,
        exchange_order_id=placed.id,
        acknowledged_at=now,
        lease_until=None,
        updated_at=now,
    )
    if not updated:
        return False
    order.status, order.exchange_order_id, order.acknowledged_at = OrderStatus.OPEN, placed.id, now
    order_event(order)
    group = order.group
    if PositionGroup.objects.filter(pk=group.pk, status=GroupStatus.WAITING).update(
        status=GroupStatus.LIVE, updated_at=now
    ):
        group.status = GroupStatus.LIVE
        position_event(group)
    return True


def order_cancel(*, order_id: str) -> None:
    """Cancel one order on the exchange and record its final state (a partial fill is kept).
    An unsent order is cancelled without a request."""
    with transaction.atomic():
        locked = lock_order(order_id)
        if locked is None:
            return
        group, order = locked
        if order.status in DONE_STATUSES:
            return
        if order.status == OrderStatus.PENDING:
            order.status = OrderStatus.CANCELLED
            order.save(update_fields=["status", "updated_at"])
            order_event(order)
            group_refresh(group_id=group.pk, group=group)
            return
        if not order.cancel_requested:
            order.cancel_requested = True
            order.save(update_fields=["cancel_requested", "updated_at"])
        order.group = group
    adapter = cached_adapter_for(order.group.account)
    if not order.exchange_order_id:
        found = _lookup(adapter, order)
        if found is None:
            if (
                order.status == OrderStatus.SUBMITTING
                and order.lease_until
                and order.lease_until > timezone.now()
            ):
                raise ExchangeUnavailable("the order is being sent; cancel again after it is", exchange="")
            _mark_cancelled_unsent(order)
            return
        exchange_id = found.id
    else:
        exchange_id = order.exchange_order_id
    try:
        final = adapter.cancel_order(symbol=order.symbol, order_id=exchange_id)
    except OrderNotFound:
        final = adapter.fetch_order(symbol=order.symbol, order_id=exchange_id)  # filled meanwhile
    order_apply(order_id=order.pk, exchange_order=final)


def _mark_cancelled_unsent(order: DCAOrder) -> None:
    with transaction.atomic():
        locked = lock_order(order.pk)
        if locked is None:
            return
        group, row = locked
        if row.status in UNSENT_STATUSES:
            row.status = OrderStatus.CANCELLED
            row.lease_until = None
            row.save(update_fields=["status", "lease_until", "updated_at"])
            order_event(row)
            group_refresh(group_id=group.pk, group=group)


def order_cancel_request(*, order: DCAOrder, actor: Any, request: HttpRequest | None = None) -> DCAOrder:
    """A person (admin action, API) cancels an order: audited, done by a worker."""
    if order.status in DONE_STATUSES:
        raise ValidationError(f"The order is already {order.status}.")
    with transaction.atomic():
        DCAOrder.objects.filter(pk=order.pk).update(cancel_requested=True, updated_at=timezone.now())
        record(
            action="order.cancel",
            actor=actor,
            owner=order.user,
            resource=order,
            request=request,
            changes={"client_order_id": order.client_order_id, "status": order.status},
        )
        enqueue_cancel(order)
    order.refresh_from_db()
    return order


def orders_sweep() -> int:
    """Re-enqueue orders left unsent: `pending` rows whose message was lost (a crash between
    commit and publish, an expired message) and `submitting` rows whose lease ran out (a worker
    died mid-send). The claim makes a duplicate message harmless."""
    now = timezone.now()
    stuck = DCAOrder.objects.filter(
        Q(status=OrderStatus.PENDING, created_at__lt=now - SWEEP_PENDING_AFTER)
        | Q(status=OrderStatus.SUBMITTING, lease_until__isnull=True, updated_at__lt=now - SWEEP_PENDING_AFTER)
        | Q(status=OrderStatus.SUBMITTING, lease_until__lt=now)
    ).values_list("pk", "user_id", "role")[:500]
    count = 0
    for order_id, user_id, role in stuck:
        # A lost close or take-profit goes back to `ticks`, where it was sent.
        send_place(order_id=str(order_id), user_id=str(user_id), role=role)
        count += 1
    cancels = DCAOrder.objects.filter(
        cancel_requested=True, status__in=RESTING_STATUSES, updated_at__lt=now - SWEEP_PENDING_AFTER
    ).values_list("pk", "user_id")[:500]
    for order_id, user_id in cancels:
        task_named(names.CANCEL_ORDER).delay(order_id=str(order_id), user_id=str(user_id))
        count += 1
    if count:
        logger.info("sweeper re-sent %d order messages", count)
    return count
