"""The simulator app as its request handlers see it: `app.py` imports the handler modules
(`rest`, `control_api`), so they name this protocol rather than the class."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from brokers.simulator.messages import Request

from .accounts import Account

if TYPE_CHECKING:
    import threading

    from brokers.simulator.clock import Clock

    from .engine import Engine
    from .faults import PrefixFaultInjector
    from .sessions import SessionBook


class KotakSimulatorApp(Protocol):
    clock: Clock
    control_token: str
    engine: Engine
    faults: PrefixFaultInjector
    lock: threading.RLock
    options: Any
    sessions: SessionBook

    def sync(self) -> None: ...

    def set_price(self, symbol: str, price: Decimal) -> Decimal: ...

    def provision(
        self,
        given: dict[str, str],
        *,
        funds: Decimal = ...,
        holdings: dict[str, tuple[int, Decimal]] | None = None,
    ) -> Account: ...

    def known_consumer_key(self, key: str | None) -> bool: ...

    def trading_base_url(self, request: Request) -> str: ...
