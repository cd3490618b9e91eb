"""Reconciliation: our order rows and the exchange brought into agreement, by client order id.

Runs when a worker starts and every few minutes, at most once per account per interval across
the fleet (`reconcile_claim`): a restart storm sends one `reconcile_all` per worker, and each
reconcile spends the exchange's rate limit that order placement needs. For each account with
live orders:
- an order of ours resting on the exchange gets its latest state;
- an order of ours no longer on the book is looked up and recorded (filled, cancelled);
- an order whose send may have reached the exchange without our hearing back (`submitting`, its
  worker's lease over) is looked up; if the exchange has it, it is recorded (the sweeper sends
  the ones it has never seen). An order not sent yet (`pending`: nothing moves a sent order back
  there) or being sent right now (`submitting` within its lease; that worker records the answer)
  costs no request: during a burst of signals, looking each of them up spent the exchange's
  request budget and held the workers in its rate limiter while the placements waited;
- an open order on the exchange that we did not place is recorded as an UnknownExchangeOrder
  and shown to its owner; we never touch it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from brokers.adapters.cache import cached_adapter_for
from brokers.errors import OrderNotFound
from brokers.models import ExchangeConfig
from trading.execution.services.fills import order_apply
from trading.execution.services.monitor import record_trades
from trading.positions.models import (
    LIVE_ORDER_STATUSES,
    OPEN_GROUP_STATUSES,
    RESTING_STATUSES,
    DCAOrder,
    OrderStatus,
    UnknownExchangeOrder,
)

logger = logging.getLogger("tradefleet.trading.reconcile")


def reconcile_claim(*, scope: str, on_start: bool = False) -> bool:
    """Claim this interval's reconcile of `scope` ("all", or an account id) for the whole fleet:
    True for the first worker to ask, False for every other until the claim expires. Beat's claim
    expires a little before its next tick, so beat's own tick is never the one skipped. Worker
    starts have claims of their own, TRADING_RECONCILE_ON_START_SECONDS long: a worker that
    starts after an outage reconciles at once (fills made while it was down), however recently
    beat's tick ran, and a storm of starts inside that window reconciles once (bench/chaos
    scenarios 1 and 6)."""
    if on_start:
        ttl = max(1, settings.TRADING_RECONCILE_ON_START_SECONDS)
    else:
        ttl = max(1, int(settings.TRADING_RECONCILE_SECONDS * 0.9))
    return bool(cache.add(_claim_key(scope, on_start), timezone.now().isoformat(), timeout=ttl))


def _claim_key(scope: str, on_start: bool = False) -> str:
    return f"reconcile:{'start:' if on_start else ''}{scope}"


def accounts_to_reconcile_once(*, on_start: bool = False) -> list[tuple[str, str]]:
    """`accounts_to_reconcile` for the first caller of its window, [] for the others."""
    if not reconcile_claim(scope="all", on_start=on_start):
        return []
    try:
        return accounts_to_reconcile()
    except BaseException:
        cache.delete(_claim_key("all", on_start))  # a retry (a lost connection) may claim it again
        raise


def account_reconcile_once(*, account_id: str, on_start: bool = False) -> dict[str, int] | None:
    """`account_reconcile`, unless the account was reconciled in this window (None). A failure
    gives the claim back, so the task's retry (a transient exchange error) still runs."""
    if not reconcile_claim(scope=account_id, on_start=on_start):
        return None
    try:
        return account_reconcile(account_id=account_id)
    except BaseException:
        cache.delete(_claim_key(account_id, on_start))
        raise


def accounts_to_reconcile() -> list[tuple[str, str]]:
    rows = (
        ExchangeConfig.objects.filter(is_enabled=True)
        .filter(
            Q(position_groups__status__in=OPEN_GROUP_STATUSES)
            | Q(position_groups__orders__status__in=LIVE_ORDER_STATUSES)
            | Q(unknown_orders__status="open")
        )
        .values_list("pk", "user_id")
        .distinct()
    )
    return sorted({(str(a), str(u)) for a, u in rows})


def account_reconcile(*, account_id: str) -> dict[str, int]:
    account = ExchangeConfig.objects.filter(pk=account_id, is_enabled=True).first()
    if account is None:
        return {}
    adapter = cached_adapter_for(account)
    on_book = {o.client_order_id: o for o in adapter.fetch_open_orders()}
    now = timezone.now()
    ours = list(
        DCAOrder.objects.filter(group__account=account).filter(
            Q(status__in=RESTING_STATUSES)
            | Q(status=OrderStatus.SUBMITTING, lease_until__isnull=True)
            | Q(status=OrderStatus.SUBMITTING, lease_until__lte=now)
        )
    )
    known = set(
        DCAOrder.objects.filter(group__account=account, client_order_id__in=list(on_book)).values_list(
            "client_order_id", flat=True
        )
    )
    counts = {"updated": 0, "unknown": 0}
    for order in ours:
        seen = on_book.get(order.client_order_id)
        if seen is None:
            seen = _lookup(adapter, order)
        if seen is None:
            if order.status in RESTING_STATUSES:
                logger.warning(
                    "order %s is on neither the book nor the exchange's history", order.client_order_id
                )
            continue
        if (
            seen.filled != order.filled_quantity
            or order.status not in RESTING_STATUSES
            or not seen.status == "open"
        ):
            order_apply(order_id=order.pk, exchange_order=seen)
            counts["updated"] += 1
    for client_id, seen in on_book.items():
        if client_id in known:
            continue
        UnknownExchangeOrder.objects.update_or_create(
            account=account,
            exchange_order_id=seen.id,
            defaults={
                "user_id": account.user_id,
                "client_order_id": client_id or "",
                "symbol": seen.symbol,
                "side": str(seen.side),
                "order_type": str(seen.type),
                "price": seen.price,
                "quantity": seen.amount,
                "filled_quantity": seen.filled,
                "status": "open",
                "last_seen_at": now,
            },
        )
        counts["unknown"] += 1
    UnknownExchangeOrder.objects.filter(account=account, status="open").exclude(
        exchange_order_id__in=[o.id for o in on_book.values()]
    ).update(status="gone", last_seen_at=now)
    record_trades(account=account, adapter=adapter)
    return counts


def _lookup(adapter: Any, order: DCAOrder) -> Any:
    try:
        if order.exchange_order_id:
            return adapter.fetch_order(symbol=order.symbol, order_id=order.exchange_order_id)
        return adapter.fetch_order_by_client_id(symbol=order.symbol, client_order_id=order.client_order_id)
    except OrderNotFound:
        return None
