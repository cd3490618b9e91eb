"""Signatures, keys and permissions; injected 5xx, hangs and rate limits, as ccxt sees them."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import ccxt
import pytest

from brokers.simulator import (
    ManualClock,
    SimulatorControl,
    SimulatorControlError,
    SimulatorServer,
    simulator_exchange,
)

from .conftest import KEY, SECRET, TOKEN, options

ORDER_POST = ["POST /api/v3/order"]


def test_a_wrong_secret_is_a_bad_signature(exchange_for):
    with pytest.raises(ccxt.AuthenticationError, match="-1022"):
        exchange_for(secret="not-the-secret").fetch_balance()


def test_an_unknown_or_malformed_key_is_refused(exchange_for):
    with pytest.raises(ccxt.AuthenticationError, match="-2015"):
        exchange_for(key="nobody-has-this-key").fetch_balance()
    with pytest.raises(ccxt.AuthenticationError, match="-2014"):
        exchange_for(key="bad key!").fetch_balance()


def test_a_stale_timestamp_is_outside_the_recv_window(exchange_for):
    exchange = exchange_for()
    exchange.options["timeDifference"] = 70_000  # ccxt signs with its clock minus this

    with pytest.raises(ccxt.InvalidNonce, match="-1021"):
        exchange.fetch_balance()


def test_an_account_without_trading_permission_cannot_order(exchange_for, control: SimulatorControl):
    control.create_account("read-only-key", "read-only-secret", {"USDT": "100"}, can_trade=False)
    exchange = exchange_for("read-only-key", "read-only-secret")

    assert exchange.fetch_balance()["info"]["canTrade"] is False
    with pytest.raises(ccxt.PermissionDenied):
        exchange.create_order("BTC/USDT", "market", "buy", 0.0001)


def test_a_5xx_after_the_order_was_applied_leaves_one_order_found_by_client_id(exchange, control):
    control.set_price("BTCUSDT", "50000")
    control.set_faults(error_rate=1.0, match=ORDER_POST, after_apply=True, count=1)

    with pytest.raises(ccxt.ExchangeNotAvailable):  # ccxt: outcome unknown
        exchange.create_order("BTC/USDT", "limit", "buy", 0.001, 45000, params={"clientOrderId": "dca-1-0"})

    found = exchange.fetch_order(None, "BTC/USDT", params={"origClientOrderId": "dca-1-0"})
    assert (found["status"], found["clientOrderId"]) == ("open", "dca-1-0")
    assert len(exchange.fetch_open_orders("BTC/USDT")) == 1
    # The fault budget is spent: a retry with the same id is refused as a duplicate, not doubled.
    with pytest.raises(ccxt.InvalidOrder, match="Duplicate"):
        exchange.create_order("BTC/USDT", "limit", "buy", 0.001, 45000, params={"clientOrderId": "dca-1-0"})


def test_a_5xx_before_the_order_was_applied_leaves_no_order(exchange, control):
    control.set_faults(error_rate=1.0, error_statuses=[503], match=ORDER_POST, count=1)

    with pytest.raises(ccxt.ExchangeNotAvailable, match="503"):
        exchange.create_order("BTC/USDT", "market", "buy", 0.001, params={"clientOrderId": "lost"})

    with pytest.raises(ccxt.OrderNotFound):
        exchange.fetch_order(None, "BTC/USDT", params={"origClientOrderId": "lost"})
    assert control.faults()["injected"] == {"error": 1}


def test_a_hang_past_the_client_timeout_after_apply(exchange_for, control):
    exchange = exchange_for(timeout_ms=200)
    exchange.load_markets()
    control.set_faults(timeout_rate=1.0, hang_seconds=0.6, match=ORDER_POST, after_apply=True, count=1)

    with pytest.raises(ccxt.RequestTimeout):
        exchange.create_order("BTC/USDT", "market", "buy", 0.001, params={"clientOrderId": "slow-1"})

    found = exchange.fetch_order(None, "BTC/USDT", params={"origClientOrderId": "slow-1"})
    assert found["status"] == "closed"


def test_a_hang_that_never_answers_is_released_by_stop(start_simulator):
    server = start_simulator()
    server.app.faults.configure(timeout_rate=1.0, hang_seconds=None, match=("GET /api/v3/time",))
    exchange = simulator_exchange(server.base_url, timeout_ms=200, enable_rate_limit=False)

    with pytest.raises(ccxt.RequestTimeout):
        exchange.fetch_time()
    server.stop()  # must not wait for the held request


def test_over_the_rate_limit_is_429_then_418():
    clock = ManualClock(1_700_000_040_000)  # the start of a minute: Retry-After is a full 60 s
    server = SimulatorServer(options(), clock=clock).start()
    try:
        control = SimulatorControl(server.base_url, TOKEN)
        control.set_faults(rate_limit_per_minute=2, ban_after=1, ban_seconds=60)
        exchange = simulator_exchange(server.base_url, timeout_ms=2000, enable_rate_limit=False)
        exchange.fetch_time()
        exchange.fetch_time()

        with pytest.raises(ccxt.DDoSProtection, match="429"):
            exchange.fetch_time()
        assert exchange.last_response_headers["Retry-After"] == "60"
        with pytest.raises(ccxt.DDoSProtection, match="418"):
            exchange.fetch_time()  # a second offence in the window: banned

        clock.advance(61_000)
        assert exchange.fetch_time() == clock.now_ms()
    finally:
        server.stop()


def test_random_429s_map_to_ccxt_ddos_protection(exchange, control):
    control.set_faults(rate_limit_rate=1.0, count=1)

    with pytest.raises(ccxt.DDoSProtection):
        exchange.fetch_ticker("BTC/USDT")  # load_markets takes the one 429
    assert exchange.fetch_ticker("BTC/USDT")["last"] > 0


def test_a_seeded_fault_rate_strikes_the_same_requests_every_run(start_simulator):
    def outcomes() -> list[bool]:
        server = start_simulator(seed=3)
        server.app.faults.configure(error_rate=0.3, seed=11)
        exchange = simulator_exchange(server.base_url, KEY, SECRET, timeout_ms=2000, enable_rate_limit=False)
        results = []
        for _ in range(20):
            try:
                exchange.fetch_time()
                results.append(True)
            except ccxt.ExchangeNotAvailable:
                results.append(False)
        return results

    first = outcomes()
    assert first == outcomes()
    assert 0 < first.count(False) < 20
    assert Decimal(first.count(False)) / 20 < Decimal("0.7")


def test_a_latency_setting_delays_every_exchange_answer_in_parallel_but_not_the_control_api(
    exchange_for, control: SimulatorControl
):
    exchange_for().fetch_time()  # connection and ccxt set-up out of the way
    control.set_faults(latency_ms=300)
    clients = [exchange_for() for _ in range(2)]
    took: list[float] = []

    def timed_call(client: ccxt.binance) -> None:
        started = time.monotonic()
        client.fetch_time()
        took.append(time.monotonic() - started)

    started = time.monotonic()
    threads = [threading.Thread(target=timed_call, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    both = time.monotonic() - started
    control_started = time.monotonic()
    faults = control.faults()
    control_took = time.monotonic() - control_started

    assert faults["latency_ms"] == 300
    assert len(took) == 2 and min(took) >= 0.3  # each answer waited
    assert both < 0.55  # side by side, not one after the other
    assert control_took < 0.3  # the control API answers at once


def test_a_latency_setting_is_validated(control: SimulatorControl):
    with pytest.raises(SimulatorControlError) as negative:
        control.set_faults(latency_ms=-1)
    with pytest.raises(SimulatorControlError) as not_a_number:
        control.set_faults(latency_jitter_ms="soon")
    assert (negative.value.status, not_a_number.value.status) == (400, 400)
