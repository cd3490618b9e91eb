"""A closed deal as the engine leaves it: one filled buy, one filled market close, and the group
recomputed by the same service the engine calls (so the numbers are the engine's, not typed in)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from tests.trading.factories import DCAOrderFactory, PositionGroupFactory, PyramidFactory
from trading.positions.models import GroupStatus, OrderRole, OrderStatus, PositionGroup
from trading.positions.services import group_refresh


def closed_deal(
    user: Any,
    *,
    symbol: str = "BTC/USDT",
    buy: str = "60000",
    sell: str = "61000",
    quantity: str = "0.01",
    buy_fee: str = "0.6",
    sell_fee: str = "0.61",
    reason: str = "manual",
    opened_at: dt.datetime | None = None,
    closed_at: dt.datetime | None = None,
    **group_fields: Any,
) -> PositionGroup:
    group = PositionGroupFactory(
        user=user, symbol=symbol, status=GroupStatus.CLOSING, close_reason=reason, **group_fields
    )
    pyramid = PyramidFactory(group=group, index=0, entry_price=Decimal(buy))
    qty = Decimal(quantity)
    DCAOrderFactory(
        pyramid=pyramid,
        price=Decimal(buy),
        quantity=qty,
        filled=True,
        fees=Decimal(buy_fee),
        closed_quantity=qty,
    )
    DCAOrderFactory(
        pyramid=pyramid,
        role=OrderRole.CLOSE,
        side="sell",
        order_type="market",
        price=None,
        quantity=qty,
        status=OrderStatus.FILLED,
        filled_quantity=qty,
        avg_fill_price=Decimal(sell),
        fees=Decimal(sell_fee),
        reason=reason,
    )
    with transaction.atomic():
        group_refresh(group_id=group.pk)
    times = {k: v for k, v in {"opened_at": opened_at, "closed_at": closed_at}.items() if v is not None}
    if times:
        PositionGroup.objects.filter(pk=group.pk).update(**times)
    group.refresh_from_db()
    assert group.status == GroupStatus.CLOSED
    return group
