"""Factories for the execution engine's rows: accounts, groups, pyramids, orders, fills, signals.

Read-side tests build the state the engine would have written, directly; anything that trades
goes through the simulator instead (CONVENTIONS.md)."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from brokers.adapters.base import Market
from brokers.markets import market_to_json
from brokers.models import ExchangeConfig
from tests.factories import UserFactory
from trading.positions.models import (
    DCAOrder,
    Fill,
    GroupStatus,
    OrderRole,
    OrderStatus,
    PositionGroup,
    Pyramid,
    UnknownExchangeOrder,
)
from trading.signals.models import Signal, SignalStatus


def market_snapshot(symbol: str) -> dict[str, object]:
    base, _, quote = symbol.partition("/")
    return market_to_json(
        Market(
            symbol=symbol,
            exchange_symbol=symbol.replace("/", ""),
            base=base,
            quote=quote,
            tick_size=Decimal("0.01"),
            step_size=Decimal("0.00001"),
            min_qty=Decimal("0.00001"),
            min_notional=Decimal(5),
        )
    )


class ExchangeConfigFactory(factory.django.DjangoModelFactory):
    """A simulator account without credentials: enough for every read-side test."""

    class Meta:
        model = ExchangeConfig
        django_get_or_create = ("user", "exchange", "label")

    user = factory.SubFactory(UserFactory)
    exchange = "simulator"
    label = "main"
    mode = "testnet"


class PositionGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PositionGroup

    user = factory.SubFactory(UserFactory)
    account = factory.SubFactory(ExchangeConfigFactory, user=factory.SelfAttribute("..user"))
    exchange = factory.SelfAttribute("account.exchange")
    symbol = "BTC/USDT"
    timeframe = "1h"
    side = "long"
    status = GroupStatus.LIVE
    pyramid_count = 1
    max_pyramids = 5
    # The market rules the engine rounds with, as it snapshots them when the group opens.
    market_snapshot = factory.LazyAttribute(lambda group: market_snapshot(group.symbol))

    class Params:
        closed = factory.Trait(status=GroupStatus.CLOSED, closed_at=factory.LazyFunction(timezone.now))


class PyramidFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pyramid

    group = factory.SubFactory(PositionGroupFactory)
    index = factory.Sequence(lambda n: n)
    entry_price = Decimal(60000)
    capital = Decimal(1000)


class DCAOrderFactory(factory.django.DjangoModelFactory):
    """A leg by default; pass role/leg for take-profit and close orders."""

    class Meta:
        model = DCAOrder

    pyramid = factory.SubFactory(PyramidFactory)
    group = factory.SelfAttribute("pyramid.group")
    user = factory.SelfAttribute("group.user")
    role = OrderRole.LEG
    level = 0
    symbol = factory.SelfAttribute("group.symbol")
    side = "buy"
    order_type = "limit"
    price = Decimal(60000)
    quantity = Decimal("0.01")
    client_order_id = factory.Sequence(lambda n: f"tf-test-{n:08d}")
    status = OrderStatus.OPEN

    class Params:
        filled = factory.Trait(
            status=OrderStatus.FILLED,
            filled_quantity=factory.SelfAttribute("quantity"),
            avg_fill_price=factory.SelfAttribute("price"),
            fees=Decimal("0.6"),
        )


class FillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fill

    order = factory.SubFactory(DCAOrderFactory, filled=True)
    user = factory.SelfAttribute("order.user")
    trade_id = factory.Sequence(lambda n: f"trade-{n}")
    price = factory.SelfAttribute("order.price")
    quantity = factory.SelfAttribute("order.quantity")
    fee = Decimal("0.6")
    fee_asset = "USDT"
    fee_quote = Decimal("0.6")
    executed_at = factory.LazyFunction(timezone.now)


class SignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signal

    user = factory.SubFactory(UserFactory)
    exchange = "simulator"
    symbol = "BTC/USDT"
    timeframe = "1h"
    side = "long"
    intent_type = "signal"
    status = SignalStatus.PROCESSED
    raw_body = '{"secret": "****", "tv": {"symbol": "BTCUSDT"}}'


class UnknownExchangeOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnknownExchangeOrder

    user = factory.SubFactory(UserFactory)
    account = factory.SubFactory(ExchangeConfigFactory, user=factory.SelfAttribute("..user"))
    exchange_order_id = factory.Sequence(lambda n: f"ex-{n}")
    symbol = "ETH/USDT"
    side = "buy"
    price = Decimal(3000)
    quantity = Decimal("0.5")


def group_with_legs(
    *, user: object, filled: int = 1, total: int = 3, pyramids: int = 1, **group_fields: object
) -> PositionGroup:
    """A group whose every pyramid has `total` legs, the first `filled` of them filled with one
    fill each: the shape the list and detail show."""
    group = PositionGroupFactory(user=user, pyramid_count=pyramids, **group_fields)
    for index in range(pyramids):
        pyramid = PyramidFactory(group=group, index=index)
        for level in range(total):
            price = Decimal(60000) - Decimal(600) * level
            if level < filled:
                FillFactory(order__pyramid=pyramid, order__level=level, order__price=price)
            else:
                DCAOrderFactory(pyramid=pyramid, level=level, price=price)
    return group
