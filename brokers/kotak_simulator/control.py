"""Talking to a running Kotak simulator's control API (the admin page, the embedded runner, the
account services): `KotakSimulatorControl(base_url, token)`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

from brokers.simulator.control import SimulatorControl, SimulatorControlError

KotakSimulatorControlError = SimulatorControlError


class KotakSimulatorControl(SimulatorControl):
    """The crypto simulator's control client (same transport and errors), with Kotak's calls."""

    def state(self) -> dict[str, Any]:
        return self._call("GET", "state")

    def provision_account(self, **fields: Any) -> dict[str, Any]:
        """POST /_sim/accounts: any of consumer_key, consumer_secret, mobile_number, ucc, mpin,
        totp_secret, funds, holdings; returns the six credentials, funds and holdings."""
        return self._call(
            "POST", "accounts", {k: str(v) if isinstance(v, Decimal) else v for k, v in fields.items()}
        )

    def account(self, ucc: str) -> dict[str, Any]:
        return self._call("GET", f"accounts/{quote(ucc, safe='')}")

    def set_price(self, symbol: str, price: Decimal | str) -> dict[str, Any]:
        return self._call("PUT", f"prices/{quote(symbol, safe='')}", {"price": str(price)})

    def expire_sessions(self, ucc: str | None = None) -> int:
        return int(self._call("POST", "sessions/expire", {"ucc": ucc} if ucc else {})["expired"])

    def clear_faults(self) -> dict[str, Any]:
        return self.set_faults(error_rate=0.0, timeout_rate=0.0, after_apply=False, match=[], count=None)
