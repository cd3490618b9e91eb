"""What the DCA subpackage reacts to: the embedded runner's demo trader gets a default BTC/USDT
grid on the simulator, once, so the alert template works from the first start
(accounts/hooks.py)."""

from __future__ import annotations

from typing import Any

from accounts.hooks import demo_trader_ready
from trading.dca.services import demo_dca_config_ensure


def _demo_trader_ready(sender: Any, *, user: Any, **_: Any) -> None:
    demo_dca_config_ensure(user=user)


def connect() -> None:
    demo_trader_ready.connect(_demo_trader_ready, dispatch_uid="dca-demo-grid")
