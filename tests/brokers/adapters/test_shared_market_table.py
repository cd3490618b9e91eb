"""Adapters of one exchange share the market table parsed once per process: a fill monitor builds
an adapter per account, and each one trades without loading or parsing the markets again."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from brokers import markets
from brokers.adapters.base import OrderStatus, OrderType, Side
from brokers.adapters.ccxt_adapter import CCXT_MARKET_TABLE, CcxtAdapter
from tests.brokers.adapters.conftest import Keys


def test_a_second_account_on_the_exchange_gets_the_parsed_table_without_parsing_it(
    funded: Callable[..., Keys], adapter_for_keys: Callable[[Keys], CcxtAdapter], monkeypatch
) -> None:
    first = adapter_for_keys(funded())
    first.load_markets()
    second = adapter_for_keys(funded({"USDT": "1000"}))
    parsed: list[int] = []
    monkeypatch.setattr(second.exchange, "set_markets", lambda *a, **k: parsed.append(1))

    assert second.load_markets() is first.load_markets()
    assert parsed == []
    for attr in CCXT_MARKET_TABLE:
        assert getattr(second.exchange, attr) is getattr(first.exchange, attr)
    order = second.create_order(
        symbol="BNBUSDT",
        side=Side.BUY,
        type=OrderType.LIMIT,
        amount=Decimal("0.1"),
        price=Decimal("100"),
        client_order_id="shared-table-1",
    )
    assert order.status == OrderStatus.OPEN


def test_a_reload_of_the_markets_is_parsed_again(
    funded: Callable[..., Keys], adapter_for_keys: Callable[[Keys], CcxtAdapter]
) -> None:
    first = adapter_for_keys(funded())
    before = first.load_markets()
    reloaded = first.load_markets(reload=True)
    assert reloaded is not before and reloaded == before
    other = adapter_for_keys(funded())
    assert other.load_markets() is reloaded
    markets.forget_markets()
    assert adapter_for_keys(funded()).load_markets() is not reloaded
