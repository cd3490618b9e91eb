"""The simulator as an exchange users connect to: keys made for them, and kept working across a
restart of a simulator that holds its accounts in memory."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from auditlog.services import record

from .models import ExchangeConfig
from .simulator import SimulatorControl, SimulatorControlError, new_api_key
from .simulator.app import DEMO_BALANCES

logger = logging.getLogger(__name__)

SIMULATOR = "simulator"


def simulator_control() -> SimulatorControl:
    return SimulatorControl(settings.SIMULATOR_URL, settings.SIMULATOR_CONTROL_TOKEN)


def simulator_price_set(*, symbol: str, price: Decimal, actor: Any, request: HttpRequest | None) -> dict:
    """An admin moves a simulator price (resting orders it crosses fill); audited."""
    applied = simulator_control().set_price(symbol, price)
    record(
        action="simulator.price_set",
        actor=actor,
        resource_type="simulator",
        resource_id=symbol,
        request=request,
        changes={"symbol": symbol, "price": str(price)},
    )
    return applied


def simulator_key_provision() -> tuple[str, str]:
    """A new funded API key on the simulator (test balances), for a user who connects it without
    bringing a key of their own."""
    api_key, api_secret = new_api_key(), new_api_key()
    simulator_control().create_account(api_key, api_secret, DEMO_BALANCES)
    return api_key, api_secret


def simulator_accounts_restore() -> int:
    """Register every stored simulator key with the simulator again (funded with test balances):
    an embedded simulator starts empty at each `make run`, while the accounts in the database stay.
    Returns how many keys were registered."""
    control = simulator_control()
    restored = 0
    for config in ExchangeConfig.objects.filter(exchange=SIMULATOR):
        try:
            control.create_account(
                str(config.api_key), str(config.api_secret), DEMO_BALANCES, set_balances=True
            )
            restored += 1
        except SimulatorControlError as exc:
            logger.warning("could not restore simulator account %s: %s", config.pk, exc.detail)
    return restored
