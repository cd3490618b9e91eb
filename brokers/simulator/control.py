"""Talking to a running simulator: the control client (Django views, the embedded runner, tests)
and the in-process handle of an embedded simulator. The deployment's own client, built from the
settings `SIMULATOR_URL` and `SIMULATOR_CONTROL_TOKEN`, is `brokers.services_simulator.simulator_control`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from .app import AccountSeed, SimulatorOptions, new_api_key
from .server import SimulatorServer

DEFAULT_URL = "http://127.0.0.1:9009"


class SimulatorControlError(Exception):
    """The control API refused a call (`status` is its HTTP status; 0 when unreachable)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}" if status else detail)
        self.status = status
        self.detail = detail


class SimulatorControl:
    def __init__(self, base_url: str, token: str, *, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        url = f"{self.base_url}/_sim/{path}"
        if not url.startswith(("http://", "https://")):
            raise SimulatorControlError(0, f"not an http(s) URL: {self.base_url}")
        data = None if body is None else json.dumps(body, default=str).encode()
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310  scheme checked above
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310  as above
                payload: dict[str, Any] = json.loads(response.read() or b"{}")
                return payload
        except urllib.error.HTTPError as exc:
            try:
                detail = json.loads(exc.read()).get("detail", exc.reason)
            except ValueError:
                detail = str(exc.reason)
            raise SimulatorControlError(exc.code, str(detail)) from None
        except (urllib.error.URLError, OSError) as exc:
            raise SimulatorControlError(0, f"simulator unreachable at {self.base_url}: {exc}") from None

    def state(self) -> dict[str, Any]:
        return self._call("GET", "state")

    def set_price(self, symbol: str, price: Decimal | str) -> dict[str, Any]:
        """Set `BTCUSDT` (or `BTC/USDT`) to `price`; returns the price applied (tick-rounded)."""
        return self._call("PUT", f"prices/{quote(symbol, safe='')}", {"price": str(price)})

    def tick(self, steps: int = 1) -> dict[str, Any]:
        return self._call("POST", "tick", {"steps": steps})

    def create_account(
        self,
        api_key: str,
        api_secret: str,
        balances: Mapping[str, Decimal | str],
        *,
        set_balances: bool = False,
        can_trade: bool = True,
        can_withdraw: bool = False,
    ) -> dict[str, Any]:
        """Create or update the key's account; balances are deposited (or set) as free funds."""
        body = {
            "api_key": api_key,
            "api_secret": api_secret,
            "balances": {asset: str(amount) for asset, amount in balances.items()},
            "set_balances": set_balances,
            "can_trade": can_trade,
            "can_withdraw": can_withdraw,
        }
        return self._call("POST", "accounts", body)

    def account(self, api_key: str) -> dict[str, Any]:
        return self._call("GET", f"accounts/{quote(api_key, safe='')}")

    def faults(self) -> dict[str, Any]:
        return self._call("GET", "faults")

    def set_faults(self, **config: Any) -> dict[str, Any]:
        """E.g. `set_faults(error_rate=1.0, match=["POST /api/v3/order"], after_apply=True, count=1)`."""
        return self._call("PUT", "faults", config)

    def clear_faults(self) -> dict[str, Any]:
        return self.set_faults(
            error_rate=0.0, timeout_rate=0.0, rate_limit_rate=0.0, rate_limit_per_minute=None
        )

    def configure_engine(self, **config: Any) -> dict[str, Any]:
        """E.g. `configure_engine(liquidity_per_tick="1000", spread_bps="2")`."""
        return self._call(
            "PUT",
            "engine",
            {k: None if v is None else str(v) if isinstance(v, Decimal) else v for k, v in config.items()},
        )


@dataclass
class EmbeddedSimulator:
    """A simulator running in this process, with its funded demo account."""

    server: SimulatorServer
    control: SimulatorControl
    demo_api_key: str
    demo_api_secret: str

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def stop(self) -> None:
        self.server.stop()


def start_embedded(
    options: SimulatorOptions | None = None,
    *,
    demo_api_key: str = "",
    demo_api_secret: str = "",
    demo_balances: Mapping[str, Decimal] | None = None,
) -> EmbeddedSimulator:
    """Start a simulator in background threads with one funded demo account (the embedded mode's
    default exchange account). Keys left empty are made up; read them from the handle."""
    options = replace(options or SimulatorOptions())
    key, secret = demo_api_key or new_api_key(), demo_api_secret or new_api_key()
    seed = (
        AccountSeed(key, secret) if demo_balances is None else AccountSeed(key, secret, dict(demo_balances))
    )
    options.accounts = [*options.accounts, seed]
    server = SimulatorServer(options).start()
    control = SimulatorControl(server.base_url, server.app.control_token)
    return EmbeddedSimulator(server, control, key, secret)
