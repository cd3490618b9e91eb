"""Logging in with the stored TOTP secret, sharing the session, renewing it once when Kotak's
gateway refuses it, and the account's funds, holdings and positions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import pytest

from brokers.adapters.base import OrderType, Side
from brokers.adapters.equities import Product
from brokers.adapters.kotak import KotakCredentials, KotakNeoAdapter, MemorySessionStore
from brokers.errors import AuthenticationFailed

from .conftest import WRONG_TOTP_SECRET, Sim

SESSION_KEY = "kotak:session:test"


def test_checking_the_account_logs_in_and_reads_the_cash(adapter: KotakNeoAdapter) -> None:
    check = adapter.check_account()

    assert check.can_trade is True
    assert check.can_withdraw is None
    assert check.balances["INR"].free == Decimal("500000.00")
    assert check.balances["INR"].used == Decimal(0)


def test_the_session_is_shared_by_the_accounts_adapters(
    make_adapter: Callable[..., KotakNeoAdapter], credentials: KotakCredentials, store: MemorySessionStore
) -> None:
    make_adapter(credentials).fetch_funds()
    first = store.get(SESSION_KEY)

    # A second worker's adapter: no login of its own, even with a TOTP secret that would fail.
    other = make_adapter(replace(credentials, totp_secret=WRONG_TOTP_SECRET))
    assert other.fetch_funds().available_cash == Decimal("500000.00")
    assert store.get(SESSION_KEY) == first


def test_an_expired_session_is_renewed_once_and_the_call_repeated(
    sim: Sim, adapter: KotakNeoAdapter, store: MemorySessionStore
) -> None:
    adapter.fetch_funds()
    old_token = store.get(SESSION_KEY)["token"]

    assert sim.expire_sessions() >= 1
    funds = adapter.fetch_funds()

    assert funds.available_cash == Decimal("500000.00")
    assert store.get(SESSION_KEY)["token"] != old_token


def test_an_order_after_expiry_is_placed_once(sim: Sim, adapter: KotakNeoAdapter) -> None:
    adapter.fetch_funds()
    sim.expire_sessions()

    order = adapter.create_equity_order(
        symbol="ITC",
        side=Side.BUY,
        type=OrderType.MARKET,
        quantity=Decimal(3),
        client_order_id="tf" + "1" * 32,
    )

    assert order.filled == Decimal(3)
    assert len(adapter.fetch_orders()) == 1


def test_a_session_refused_after_a_fresh_login_surfaces(
    sim: Sim, make_adapter: Callable[..., KotakNeoAdapter], credentials: KotakCredentials
) -> None:
    adapter = make_adapter(credentials)
    adapter.fetch_funds()
    sim.expire_sessions()
    # The account's MPIN was changed at Kotak since: the renewal is refused, with Kotak's reason.
    sim.provision(
        consumer_key=credentials.consumer_key,
        consumer_secret=credentials.consumer_secret,
        mobile_number=credentials.mobile_number,
        ucc=credentials.ucc,
        mpin="999999",
        totp_secret=credentials.totp_secret,
    )

    with pytest.raises(AuthenticationFailed, match="Invalid MPIN"):
        adapter.fetch_funds()


def test_a_session_kotak_refuses_even_when_fresh_surfaces_after_one_renewal(
    start_sim: Callable[..., Sim], store: MemorySessionStore
) -> None:
    sim = start_sim(session_ttl_seconds=0)  # every session is over as soon as it is made
    adapter = KotakNeoAdapter(
        credentials=sim.provision(),
        login_base_url=sim.url,
        exchange_id="kotak_simulator",
        session_store=store,
        session_key=SESSION_KEY,
    )

    with pytest.raises(AuthenticationFailed, match="refused the session again right after a fresh login"):
        adapter.fetch_funds()
    assert store.get(SESSION_KEY) is None  # the next call starts with a login, not the dead session
    adapter.close()


def test_a_wrong_totp_secret_is_refused_with_kotaks_reason(
    make_adapter: Callable[..., KotakNeoAdapter], credentials: KotakCredentials
) -> None:
    adapter = make_adapter(replace(credentials, totp_secret=WRONG_TOTP_SECRET))

    with pytest.raises(AuthenticationFailed, match="Invalid credentials or TOTP"):
        adapter.check_account()


def test_a_totp_secret_that_is_not_base32_is_refused_before_calling(
    make_adapter: Callable[..., KotakNeoAdapter], credentials: KotakCredentials
) -> None:
    with pytest.raises(AuthenticationFailed, match="TOTP secret is not valid"):
        make_adapter(replace(credentials, totp_secret="not base32 at all!")).check_account()


def test_an_unknown_consumer_key_cannot_log_in(
    make_adapter: Callable[..., KotakNeoAdapter], credentials: KotakCredentials
) -> None:
    with pytest.raises(AuthenticationFailed, match="refused the consumer key"):
        make_adapter(replace(credentials, consumer_key="someone-elses-key")).check_account()


def test_a_new_account_shows_its_demo_holdings(adapter: KotakNeoAdapter) -> None:
    holdings = {h.symbol: h for h in adapter.fetch_holdings()}

    assert set(holdings) == {"RELIANCE", "INFY"}
    reliance = holdings["RELIANCE"]
    assert (reliance.quantity, reliance.sellable_quantity) == (Decimal(10), Decimal(10))
    assert reliance.average_price == Decimal(1400)
    assert reliance.last_price is not None and reliance.market_value == reliance.last_price * 10


def test_funds_holdings_and_positions_after_a_delivery_buy(sim: Sim, adapter: KotakNeoAdapter) -> None:
    sim.set_price("SBIN", "850.00")

    adapter.create_equity_order(
        symbol="SBIN",
        side=Side.BUY,
        type=OrderType.MARKET,
        quantity=Decimal(10),
        client_order_id="tf" + "2" * 32,
    )

    funds = adapter.fetch_funds()
    assert funds.available_cash == Decimal("491500.00")
    assert funds.currency == "INR"
    assert adapter.fetch_balance()["INR"].free == Decimal("491500.00")
    sbin = next(h for h in adapter.fetch_holdings() if h.symbol == "SBIN")
    assert (sbin.quantity, sbin.average_price) == (Decimal(10), Decimal("850.00"))
    [position] = adapter.fetch_positions()
    assert (position.symbol, position.product) == ("SBIN", Product.CNC)
    assert (position.buy_quantity, position.sell_quantity, position.net_quantity) == (
        Decimal(10),
        0,
        Decimal(10),
    )
    assert position.buy_amount == Decimal("8500.00")


def test_an_intraday_sell_shows_in_positions(sim: Sim, adapter: KotakNeoAdapter) -> None:
    sim.set_price("INFY", "1600.00")

    adapter.create_equity_order(
        symbol="INFY",
        side=Side.SELL,
        type=OrderType.MARKET,
        quantity=Decimal(2),
        product=Product.MIS,
        client_order_id="tf" + "3" * 32,
    )

    [position] = adapter.fetch_positions()
    assert (position.symbol, position.product, position.net_quantity) == ("INFY", Product.MIS, Decimal(-2))
    assert position.sell_amount == Decimal("3200.00")
