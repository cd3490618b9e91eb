"""Every exchange failure reaches `trading` as a brokers.errors exception, never a ccxt one, and
never with a key, secret or signature in it. Failures are real: the simulator refuses orders,
answers 429, 5xx and hangs (its fault injection), over HTTP."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from decimal import Decimal

import pytest

from brokers.adapters.base import OrderType, Side
from brokers.adapters.ccxt_adapter import CcxtAdapter
from brokers.adapters.ccxt_errors import sanitize
from brokers.errors import (
    AuthenticationFailed,
    BrokerError,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RateLimited,
)
from brokers.simulator.control import SimulatorControl
from tests.brokers.adapters.conftest import Keys

D = Decimal


def assert_no_secrets(exc: BrokerError, keys: Keys) -> None:
    shown = " ".join([str(exc), exc.message, *traceback.format_exception(exc)])
    assert keys.api_key not in shown and keys.secret not in shown
    assert "signature=" not in shown and "timestamp=" not in shown
    assert exc.__cause__ is None and exc.__suppress_context__  # no chained ccxt message either
    assert exc.exchange == "simulator"


def test_an_unknown_key_is_authentication_failed(
    funded: Callable[..., Keys], adapter_for_keys: Callable[[Keys], CcxtAdapter]
) -> None:
    stranger = Keys("A" * 64, "B" * 64)
    with pytest.raises(AuthenticationFailed) as caught:
        adapter_for_keys(stranger).check_account()
    assert_no_secrets(caught.value, stranger)
    assert "Invalid API-key" in caught.value.message


def test_a_wrong_secret_is_authentication_failed(
    keys: Keys, adapter_for_keys: Callable[[Keys], CcxtAdapter]
) -> None:
    wrong = Keys(keys.api_key, "C" * 64)
    with pytest.raises(AuthenticationFailed) as caught:
        adapter_for_keys(wrong).fetch_balance()
    assert_no_secrets(caught.value, wrong)
    assert_no_secrets(caught.value, keys)
    assert "Signature" in caught.value.message


def test_a_filter_failure_is_invalid_order_with_the_exchanges_reason(
    adapter: CcxtAdapter, keys: Keys, control: SimulatorControl
) -> None:
    control.set_price("BTCUSDT", "60000")
    with pytest.raises(InvalidOrder) as caught:  # 0.00001 BTC is 0.60 USDT, under the 5 USDT minimum
        adapter.create_order(
            symbol="BTCUSDT",
            side=Side.BUY,
            type=OrderType.MARKET,
            amount=D("0.00001"),
            client_order_id="tiny",
        )
    assert caught.value.message == "simulator: Filter failure: NOTIONAL (code -1013)"
    assert_no_secrets(caught.value, keys)


def test_not_enough_balance_is_insufficient_funds(
    funded: Callable[..., Keys], adapter_for_keys: Callable[[Keys], CcxtAdapter]
) -> None:
    poor = funded({"USDT": "50"})
    with pytest.raises(InsufficientFunds) as caught:
        adapter_for_keys(poor).create_order(
            symbol="ETHUSDT",
            side=Side.BUY,
            type=OrderType.LIMIT,
            amount=D("1"),
            price=D("1000"),
            client_order_id="too-big",
        )
    assert "insufficient balance" in caught.value.message
    assert_no_secrets(caught.value, poor)


def test_unknown_orders_are_order_not_found(adapter: CcxtAdapter, keys: Keys) -> None:
    with pytest.raises(OrderNotFound) as on_fetch:
        adapter.fetch_order(symbol="BTCUSDT", order_id="987654321")
    with pytest.raises(OrderNotFound) as on_cancel:
        adapter.cancel_order(symbol="BTCUSDT", order_id="987654321")
    with pytest.raises(OrderNotFound):
        adapter.fetch_order_by_client_id(symbol="BTCUSDT", client_order_id="never-sent")
    for caught in (on_fetch, on_cancel):
        assert_no_secrets(caught.value, keys)


def test_a_429_is_rate_limited_and_backs_off_every_other_user(
    settings,
    adapter: CcxtAdapter,
    keys: Keys,
    funded: Callable[..., Keys],
    adapter_for_keys: Callable[[Keys], CcxtAdapter],
    control: SimulatorControl,
    requests_to: Callable[[str], int],
) -> None:
    other_user = adapter_for_keys(funded())
    adapter.load_markets()
    control.set_faults(rate_limit_rate=1.0, count=1, match=["GET /api/v3/account"])
    with pytest.raises(RateLimited) as caught:
        adapter.fetch_balance()
    assert caught.value.retry_after == pytest.approx(1.0, abs=0.1)  # the answer's Retry-After
    assert_no_secrets(caught.value, keys)

    # Another user's worker, during the back-off: refused before any request leaves, because
    # its cap on waiting is shorter than the back-off...
    settings.RATELIMIT_MAX_WAIT_SECONDS = 0.2
    before = requests_to("GET /api/v3/account")
    with pytest.raises(RateLimited) as blocked:
        adapter_for_keys(funded()).fetch_balance()
    assert 0 < blocked.value.retry_after <= 1.0
    assert requests_to("GET /api/v3/account") == before
    # ...or, with a longer cap, it waits the back-off out and then goes through.
    assert other_user.fetch_balance()["USDT"].free == D("10000")


def test_a_5xx_is_exchange_unavailable(adapter: CcxtAdapter, keys: Keys, control: SimulatorControl) -> None:
    adapter.load_markets()
    control.set_faults(error_rate=1.0, count=1, match=["GET /api/v3/account"])
    with pytest.raises(ExchangeUnavailable) as caught:
        adapter.fetch_balance()
    assert_no_secrets(caught.value, keys)
    assert adapter.fetch_balance()["USDT"].free == D("10000")  # transient: the next call works


def test_a_timeout_is_exchange_unavailable(
    settings, keys: Keys, adapter_for_keys: Callable[[Keys], CcxtAdapter], control: SimulatorControl
) -> None:
    settings.EXCHANGE_TIMEOUT_MS = 300
    adapter = adapter_for_keys(keys)
    adapter.load_markets()
    control.set_faults(timeout_rate=1.0, hang_seconds=2.0, count=1, match=["GET /api/v3/openOrders"])
    with pytest.raises(ExchangeUnavailable) as caught:
        adapter.fetch_open_orders("BTCUSDT")
    assert_no_secrets(caught.value, keys)


def test_after_a_5xx_on_create_the_order_is_found_once_by_its_client_id(
    adapter: CcxtAdapter, keys: Keys, control: SimulatorControl
) -> None:
    # The exchange carried the order out and only its answer was lost (flow 3: look the order
    # up by client order id before any retry).
    adapter.load_markets()
    control.set_faults(error_rate=1.0, after_apply=True, count=1, match=["POST /api/v3/order"])
    with pytest.raises(ExchangeUnavailable) as caught:
        adapter.create_order(
            symbol="ETHUSDT",
            side=Side.BUY,
            type=OrderType.LIMIT,
            amount=D("0.5"),
            price=D("2000"),
            client_order_id="grid-leg-7",
        )
    assert_no_secrets(caught.value, keys)
    found = adapter.fetch_order_by_client_id(symbol="ETHUSDT", client_order_id="grid-leg-7")
    assert (found.client_order_id, found.amount, found.price) == ("grid-leg-7", D("0.5"), D("2000"))
    assert [o.id for o in adapter.fetch_open_orders() if o.client_order_id == "grid-leg-7"] == [found.id]
    assert len(control.account(keys.api_key)["open_orders"]) == 1


def test_a_limit_order_without_price_and_a_too_precise_amount_never_leave() -> None:
    adapter = CcxtAdapter.public("simulator")
    with pytest.raises(InvalidOrder):
        adapter.create_order(
            symbol="BTCUSDT", side=Side.BUY, type=OrderType.LIMIT, amount=D("1"), client_order_id="x"
        )
    with pytest.raises(InvalidOrder, match="more digits"):
        adapter.create_order(
            symbol="BTCUSDT",
            side=Side.BUY,
            type=OrderType.MARKET,
            amount=D("0.12345678901234567"),
            client_order_id="x",
        )


def test_private_calls_without_a_key_are_authentication_failed() -> None:
    with pytest.raises(AuthenticationFailed):
        CcxtAdapter.public("simulator").fetch_balance()


def test_sanitize_strips_signed_query_strings_and_known_secrets() -> None:
    message = (
        "binance GET https://api.binance.com/api/v3/account"
        "?timestamp=1&recvWindow=10000&signature=abcdef0123456789 "
        '401 Unauthorized {"code":-2015,"msg":"Invalid API-key MYKEY1234, IP, or permissions"}'
    )
    clean = sanitize(message, ["MYKEY1234"])
    assert clean == (
        "binance GET https://api.binance.com/api/v3/account 401 Unauthorized "
        '{"code":-2015,"msg":"Invalid API-key ***, IP, or permissions"}'
    )
    assert sanitize("X-MBX-APIKEY: abcdefghijklmnop") == "X-MBX-APIKEY: ***"
