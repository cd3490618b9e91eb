"""`manage.py kotak_simulator`: run the Kotak-Neo-compatible simulator in the foreground until
Ctrl-C. The control token comes from --control-token, else KOTAK_SIMULATOR_CONTROL_TOKEN, else it
is made up and printed once (to stdout, not the log). --demo-account provisions one funded
account and prints its credentials, for trying the API by hand."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from brokers.kotak_simulator import FaultConfig, KotakSimulatorOptions, KotakSimulatorServer
from brokers.nse_calendar import nse_calendar


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the Kotak Neo simulator (Kotak Neo's trade API over HTTP, NSE hours and holidays)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--port", type=int, default=None, help="default: KOTAK_SIMULATOR_URL's port, else 9010"
        )
        parser.add_argument("--seed", type=int, default=0, help="prices, candles and faults")
        parser.add_argument("--step-seconds", type=float, default=5.0, help="market time between price steps")
        parser.add_argument(
            "--session-ttl", type=float, default=86_400.0, help="session token lifetime, seconds"
        )
        parser.add_argument("--fault-rate", type=float, default=0.0, help="share of requests answered 5xx")
        parser.add_argument("--timeout-rate", type=float, default=0.0, help="share of requests left hanging")
        parser.add_argument("--hang-seconds", type=float, default=30.0)
        parser.add_argument(
            "--after-apply", action="store_true", help="faults strike after the request is applied"
        )
        parser.add_argument("--control-token", default="")
        parser.add_argument("--demo-account", action="store_true", help="provision one account and print it")

    def handle(self, *args: Any, **opts: Any) -> None:
        url = str(getattr(settings, "KOTAK_SIMULATOR_URL", "") or "http://127.0.0.1:9010")
        port = opts["port"] if opts["port"] is not None else urlsplit(url).port or 9010
        token = opts["control_token"] or str(getattr(settings, "KOTAK_SIMULATOR_CONTROL_TOKEN", "") or "")
        options = KotakSimulatorOptions(
            host=opts["host"],
            port=port,
            seed=opts["seed"],
            calendar=nse_calendar(),
            control_token=token,
            public_consumer_key=str(
                getattr(settings, "KOTAK_SIMULATOR_PUBLIC_KEY", "") or "tradefleet-public"
            ),
            session_ttl_seconds=opts["session_ttl"],
            step_seconds=opts["step_seconds"],
            faults=FaultConfig(
                error_rate=opts["fault_rate"],
                timeout_rate=opts["timeout_rate"],
                hang_seconds=opts["hang_seconds"],
                after_apply=opts["after_apply"],
                seed=opts["seed"],
            ),
        )
        try:
            server = KotakSimulatorServer(options)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot start the Kotak simulator: {exc}") from None
        out = self.stdout
        out.write(f"Kotak Neo simulator on {server.base_url} (login root and baseUrl)")
        out.write(f"  control token: {server.app.control_token if not token else '(from settings)'}")
        out.write(f"  public consumer key: {options.public_consumer_key}")
        if opts["demo_account"]:
            creds = server.provision_account()
            for name in ("consumer_key", "consumer_secret", "mobile_number", "ucc", "mpin", "totp_secret"):
                out.write(f"  demo {name}: {getattr(creds, name)}")
        out.write("Ctrl-C stops it.")
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _interrupt)
            signal.signal(signal.SIGINT, _interrupt)  # Ctrl-C, even if inherited ignored
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            out.write("stopped")
