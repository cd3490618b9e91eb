"""`manage.py exchange_simulator`: run the built-in Binance-compatible exchange simulator in the
foreground until Ctrl-C.

Secrets come from flags, then settings/environment (SIMULATOR_CONTROL_TOKEN,
SIMULATOR_DEMO_API_KEY, SIMULATOR_DEMO_API_SECRET); whatever is made up here is printed once on
start (to stdout, not the log), since nobody else could know it. Port, seed and price source
default to SIMULATOR_URL's port, SIMULATOR_SEED and SIMULATOR_PRICE_SOURCE."""

from __future__ import annotations

import os
import signal
import threading
from decimal import Decimal, InvalidOperation
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from brokers.simulator import (
    AccountSeed,
    EngineConfig,
    FaultConfig,
    SimulatorOptions,
    SimulatorServer,
    new_api_key,
)
from brokers.simulator.app import DEMO_BALANCES
from brokers.simulator.prices import parse_price_source


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or os.environ.get(name, ""))


def _balances(text: str) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        asset, _, amount = item.partition("=")
        try:
            out[asset.strip().upper()] = Decimal(amount)
        except InvalidOperation:
            raise CommandError(f"--balances: {item!r} is not ASSET=AMOUNT") from None
    return out


def _decimal(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise CommandError(f"not a decimal number: {value!r}") from None


class Command(BaseCommand):
    help = "Run the exchange simulator (a subset of Binance spot REST that ccxt's binance class uses)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=None, help="default: SIMULATOR_URL's port, else 9009")
        parser.add_argument(
            "--seed", type=int, default=None, help="random walk and faults; default SIMULATOR_SEED"
        )
        parser.add_argument(
            "--price-source", default=None, help="walk | stocks | csv:PATH; default SIMULATOR_PRICE_SOURCE"
        )
        parser.add_argument("--tick-seconds", type=float, default=1.0, help="0: prices move only by hand")
        parser.add_argument("--history", type=int, default=1000, help="minutes of candles before now")
        parser.add_argument("--volatility", default="1", help="multiplies every random-walk step")
        parser.add_argument("--fault-rate", type=float, default=0.0, help="share of requests answered 5xx")
        parser.add_argument("--timeout-rate", type=float, default=0.0, help="share of requests left hanging")
        parser.add_argument("--hang-seconds", type=float, default=30.0)
        parser.add_argument(
            "--after-apply", action="store_true", help="faults strike after the order is applied"
        )
        parser.add_argument("--rate-limit", type=int, default=None, help="requests per minute per client")
        parser.add_argument("--liquidity", default=None, help="quote notional per symbol, side and tick")
        parser.add_argument("--spread-bps", default="0")
        parser.add_argument("--fee", default="0.001", help="maker and taker fee rate")
        parser.add_argument("--control-token", default="")
        parser.add_argument("--api-key", default="")
        parser.add_argument("--api-secret", default="")
        parser.add_argument(
            "--balances",
            default=",".join(f"{a}={v}" for a, v in DEMO_BALANCES.items()),
            help="the demo account's funds, ASSET=AMOUNT,...",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        # Defaults follow the settings the Django side uses to reach the simulator.
        if opts["port"] is None:
            opts["port"] = urlsplit(_setting("SIMULATOR_URL") or "http://127.0.0.1:9009").port or 9009
        if opts["seed"] is None:
            opts["seed"] = int(_setting("SIMULATOR_SEED") or 0)
        opts["price_source"] = opts["price_source"] or _setting("SIMULATOR_PRICE_SOURCE") or "walk"
        try:
            parse_price_source(opts["price_source"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        token = opts["control_token"] or _setting("SIMULATOR_CONTROL_TOKEN")
        key = opts["api_key"] or _setting("SIMULATOR_DEMO_API_KEY")
        secret = opts["api_secret"] or _setting("SIMULATOR_DEMO_API_SECRET")
        made_up = {name for name, value in (("token", token), ("key", key), ("secret", secret)) if not value}
        key, secret = key or new_api_key(), secret or new_api_key()
        fee = _decimal(opts["fee"])
        options = SimulatorOptions(
            host=opts["host"],
            port=opts["port"],
            seed=opts["seed"],
            price_source=opts["price_source"],
            tick_seconds=opts["tick_seconds"],
            history_minutes=opts["history"],
            volatility=_decimal(opts["volatility"]),
            control_token=token,
            engine=EngineConfig(
                maker_fee=fee,
                taker_fee=fee,
                liquidity_per_tick=None if opts["liquidity"] is None else _decimal(opts["liquidity"]),
                spread_bps=_decimal(opts["spread_bps"]),
            ),
            faults=FaultConfig(
                error_rate=opts["fault_rate"],
                timeout_rate=opts["timeout_rate"],
                hang_seconds=opts["hang_seconds"],
                after_apply=opts["after_apply"],
                seed=opts["seed"],
                rate_limit_per_minute=opts["rate_limit"],
            ),
            accounts=[AccountSeed(key, secret, _balances(opts["balances"]))],
        )
        try:
            server = SimulatorServer(options)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot start the simulator: {exc}") from None
        out = self.stdout
        out.write(f"Exchange simulator (Binance spot API) on {server.base_url}  [{options.price_source}]")
        out.write(f"  control token: {server.app.control_token if 'token' in made_up else '(from settings)'}")
        out.write(f"  demo API key:    {key if 'key' in made_up else '(from settings)'}")
        out.write(f"  demo API secret: {secret if 'secret' in made_up else '(from settings)'}")
        out.write(f"  ccxt: brokers.simulator.simulator_exchange({server.base_url!r}, key, secret)")
        out.write("Ctrl-C stops it.")
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _interrupt)  # `docker stop` / `kill` stop it cleanly too
            # Ctrl-C too, even when started from a background job, which inherits SIGINT ignored
            # (Python then installs no KeyboardInterrupt handler of its own).
            signal.signal(signal.SIGINT, _interrupt)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            out.write("stopped")
