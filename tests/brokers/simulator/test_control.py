"""The control API (token, state, accounts), the embedded handle and the management command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from brokers.simulator import (
    SimulatorControl,
    SimulatorControlError,
    SimulatorServer,
    simulator_exchange,
    start_embedded,
)

from .conftest import KEY, SECRET, d

ROOT = Path(__file__).resolve().parents[3]


def test_the_control_api_needs_the_token(simulator: SimulatorServer):
    with pytest.raises(SimulatorControlError) as caught:
        SimulatorControl(simulator.base_url, "wrong-token").state()
    assert caught.value.status == 401


def test_state_shows_markets_accounts_and_counters_but_no_secrets(control: SimulatorControl, exchange):
    exchange.fetch_balance()

    state = control.state()

    assert len(state["markets"]) >= 10
    btc = next(m for m in state["markets"] if m["symbol"] == "BTCUSDT")
    assert (btc["tick_size"], btc["step_size"], btc["min_notional"]) == ("0.01", "0.00001", "5")
    (account,) = state["accounts"]
    assert account["balances"]["USDT"] == {"free": "10000", "locked": "0"}
    assert state["counters"]["by_endpoint"]["GET /api/v3/account"] == 1
    assert state["open_orders"] == 0 and state["faults"]["error_rate"] == 0
    text = json.dumps(state)
    assert SECRET not in text and KEY not in text  # keys masked, secrets never shown


def test_price_sets_are_validated(control: SimulatorControl):
    with pytest.raises(SimulatorControlError) as unknown:
        control.set_price("NOPE/USDT", "1")
    with pytest.raises(SimulatorControlError) as negative:
        control.set_price("BTCUSDT", "-5")
    with pytest.raises(SimulatorControlError) as bad_faults:
        control.set_faults(error_rate=2)
    assert (unknown.value.status, negative.value.status, bad_faults.value.status) == (404, 400, 400)


def test_a_created_account_trades_through_ccxt(control: SimulatorControl, exchange_for):
    control.create_account("fresh-key-42", "fresh-secret", {"USDT": "500"})
    control.create_account("fresh-key-42", "fresh-secret", {"USDT": "250"})  # a second deposit

    exchange = exchange_for("fresh-key-42", "fresh-secret")
    exchange.create_order("ETH/USDT", "market", "buy", 0.01)

    balance = exchange.fetch_balance()
    assert d(balance["ETH"]["free"]) == Decimal("0.01")
    assert d(balance["USDT"]["total"]) < 750
    assert control.account("fresh-key-42")["balances"]["ETH"]["free"] == "0.01"


def test_embedded_mode_runs_in_process_with_a_funded_demo_account():
    from brokers.simulator import SimulatorOptions

    embedded = start_embedded(SimulatorOptions(port=0, tick_seconds=0.05, history_minutes=5))
    try:
        exchange = simulator_exchange(
            embedded.base_url, embedded.demo_api_key, embedded.demo_api_secret, enable_rate_limit=False
        )
        assert d(exchange.fetch_balance()["USDT"]["free"]) == Decimal(100000)
        before = embedded.control.state()["steps"]
        exchange.create_order("BTC/USDT", "market", "buy", 0.01)
        assert embedded.control.state()["steps"] >= before  # the ticker thread runs
    finally:
        embedded.stop()


def test_the_management_command_serves_until_interrupted(tmp_path: Path):
    env = {**os.environ, "TRADEFLEET_VAR_DIR": str(tmp_path), "SIMULATOR_CONTROL_TOKEN": "cmd-token"}
    for name in ("SIMULATOR_DEMO_API_KEY", "SIMULATOR_DEMO_API_SECRET"):
        env.pop(name, None)  # made up and printed, so the test can read them
    # Started as a background job would start it, with SIGINT ignored: Ctrl-C must still stop it.
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "exchange_simulator",
            "--port",
            "0",
            "--tick-seconds",
            "0",
            "--history",
            "5",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        base_url = lines[0].split(" on ")[1].split()[0]
        key, secret = lines[2].split()[-1], lines[3].split()[-1]
        assert "(from settings)" in lines[1]  # the token came from the environment: not echoed
        exchange = simulator_exchange(base_url, key, secret, enable_rate_limit=False)
        assert d(exchange.fetch_balance()["USDT"]["free"]) == Decimal(100000)
        assert SimulatorControl(base_url, "cmd-token").state()["seed"] == 0
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    assert process.returncode == 0


def test_state_counts_orders_placed_and_client_ids_used_twice(control: SimulatorControl, exchange):
    control.set_price("BTCUSDT", "50000")
    first = exchange.create_order("BTC/USDT", "limit", "buy", 0.001, 40000, params={"clientOrderId": "c-1"})
    exchange.create_order("BTC/USDT", "limit", "buy", 0.001, 40000, params={"clientOrderId": "c-2"})
    exchange.cancel_order(first["id"], "BTC/USDT")
    exchange.create_order("BTC/USDT", "limit", "buy", 0.001, 40000, params={"clientOrderId": "c-1"})

    state = control.state()

    assert state["orders"] == {"placed": 3, "client_ids_reused": 1}
    assert state["open_orders"] == 2
    assert state["counters"]["by_endpoint"]["POST /api/v3/order"] == 3
