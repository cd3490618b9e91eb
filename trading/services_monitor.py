"""The fill monitor: every 10 s, per exchange account, what changed on the exchange.

One request for the account's open orders, a lookup per order of ours that left the book, and
one trades request per symbol with fills not yet recorded (one `Fill` per exchange trade).
Every answer goes through `services_fills.order_apply`, which is idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from brokers.adapters.base import Trade
from brokers.adapters.cache import cached_adapter_for
from brokers.errors import OrderNotFound
from brokers.models import ExchangeConfig

from .models_positions import RESTING_STATUSES, DCAOrder, Fill
from .services_fills import fee_in_quote, group_market, order_apply, status_for

ZERO = Decimal(0)
RECENT_FILLS = timedelta(hours=6)  # how far back the monitor fetches trades of unfilled records


def _unrecorded_fills() -> Q:
    return Q(filled_quantity__gt=F("recorded"))


def _with_recorded(queryset: Any) -> Any:
    return queryset.annotate(
        recorded=Coalesce(
            Sum("fills__quantity"), Value(ZERO), output_field=DecimalField(max_digits=36, decimal_places=18)
        )
    )


def accounts_to_monitor() -> list[tuple[str, str]]:
    """Accounts with orders resting on the exchange, or with fills not yet recorded as trades."""
    recent = timezone.now() - RECENT_FILLS
    resting = DCAOrder.objects.filter(status__in=RESTING_STATUSES).values_list("group__account_id", "user_id")
    unrecorded = (
        _with_recorded(DCAOrder.objects.filter(filled_quantity__gt=0, updated_at__gte=recent))
        .filter(_unrecorded_fills())
        .values_list("group__account_id", "user_id")
    )
    return sorted({(str(a), str(u)) for a, u in [*resting.distinct(), *unrecorded.distinct()]})


def account_sync(*, account_id: str) -> int:
    """One account's tick: one request for its open orders, one per order that left the book,
    one trades request per symbol with new fills. Returns how many orders changed."""
    account = ExchangeConfig.objects.filter(pk=account_id, is_enabled=True).first()
    if account is None:
        return 0
    ours = list(
        DCAOrder.objects.filter(group__account=account, status__in=RESTING_STATUSES).select_related("group")
    )
    adapter = cached_adapter_for(account)
    changed = 0
    if ours:
        on_book = {o.client_order_id: o for o in adapter.fetch_open_orders()}
        for order in ours:
            seen = on_book.get(order.client_order_id)
            if seen is None:
                try:
                    seen = adapter.fetch_order(symbol=order.symbol, order_id=order.exchange_order_id)
                except OrderNotFound:
                    seen = adapter.fetch_order_by_client_id(
                        symbol=order.symbol, client_order_id=order.client_order_id
                    )
            if seen.filled != order.filled_quantity or status_for(order, seen, seen.filled) != order.status:
                order_apply(order_id=order.pk, exchange_order=seen)
                changed += 1
    record_trades(account=account, adapter=adapter)
    return changed


def record_trades(*, account: ExchangeConfig, adapter: Any) -> int:
    """Store one Fill per exchange trade of our orders whose fills are not all recorded."""
    recent = timezone.now() - RECENT_FILLS
    pending = list(
        _with_recorded(
            DCAOrder.objects.filter(group__account=account, filled_quantity__gt=0, updated_at__gte=recent)
        )
        .filter(_unrecorded_fills())
        .exclude(exchange_order_id="")
        .select_related("group")
    )
    by_symbol: dict[str, list[DCAOrder]] = {}
    for order in pending:
        by_symbol.setdefault(order.symbol, []).append(order)
    created = 0
    for symbol, orders in by_symbol.items():
        since = min(o.submitted_at or o.created_at for o in orders) - timedelta(seconds=5)
        by_exchange_id = {o.exchange_order_id: o for o in orders}
        trades = adapter.fetch_my_trades(symbol, since=since)
        created += _store_fills(by_exchange_id, [t for t in trades if t.order_id in by_exchange_id])
    return created


def _store_fills(orders: dict[str, DCAOrder], trades: Iterable[Trade]) -> int:
    created = 0
    for trade in trades:
        order = orders[trade.order_id]
        fee_quote, _ = fee_in_quote(group_market(order.group), trade.fee, trade.fee_asset, trade.price)
        try:
            with transaction.atomic():
                Fill.objects.create(
                    user_id=order.user_id,
                    order=order,
                    trade_id=trade.id,
                    price=trade.price,
                    quantity=trade.amount,
                    fee=trade.fee,
                    fee_asset=trade.fee_asset,
                    fee_quote=fee_quote,
                    executed_at=trade.executed_at,
                )
                created += 1
        except IntegrityError:
            continue  # recorded by an earlier tick
    return created
