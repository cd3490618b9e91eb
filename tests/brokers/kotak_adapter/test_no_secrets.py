"""No Kotak secret (consumer key and secret, MPIN, TOTP secret, session token) reaches a log
line or an error message, even with every logger at DEBUG and every failure path taken."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import pytest

from brokers.adapters.base import OrderType, Side
from brokers.adapters.kotak import KotakCredentials, KotakNeoAdapter, MemorySessionStore
from brokers.errors import BrokerError

from .conftest import WRONG_TOTP_SECRET, Sim

PLACE = "POST /quick/order/rule/ms/place"


def test_no_secret_in_logs_or_errors(
    sim: Sim,
    make_adapter: Callable[..., KotakNeoAdapter],
    credentials: KotakCredentials,
    store: MemorySessionStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    messages: list[str] = []

    def attempt(call: Callable[[], object]) -> None:
        try:
            call()
        except BrokerError as error:
            messages.append(f"{error!r} {error.message} {error.__cause__!r} {error.__context__!r}")

    adapter = make_adapter(credentials)
    attempt(adapter.check_account)
    session_token = store.get("kotak:session:test")["token"]
    attempt(adapter.fetch_holdings)
    attempt(
        lambda: adapter.create_equity_order(
            symbol="MARUTI",
            side=Side.BUY,
            type=OrderType.MARKET,
            quantity=Decimal(1000),
            client_order_id="tf" + "e" * 32,
        )
    )
    sim.faults(error_rate=1, error_statuses=[500], after_apply=True, count=1, match=[PLACE])
    attempt(
        lambda: adapter.create_equity_order(
            symbol="ITC",
            side=Side.BUY,
            type=OrderType.MARKET,
            quantity=Decimal(1),
            client_order_id="tf" + "f" * 32,
        )
    )
    sim.expire_sessions()
    attempt(adapter.fetch_funds)
    attempt(
        make_adapter(replace(credentials, mpin="000000"), session_store=MemorySessionStore()).check_account
    )
    attempt(
        make_adapter(
            replace(credentials, totp_secret=WRONG_TOTP_SECRET), session_store=MemorySessionStore()
        ).check_account
    )
    attempt(
        make_adapter(
            replace(credentials, consumer_key="wrong-key"), session_store=MemorySessionStore()
        ).check_account
    )

    assert len(messages) >= 4  # the refusals above did happen
    seen = caplog.text + "\n".join(messages) + repr(credentials) + str(credentials)
    for secret in (*credentials.secrets(), session_token, store.get("kotak:session:test")["token"]):
        assert secret not in seen
