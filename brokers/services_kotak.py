"""Kotak Neo accounts: the login a trader gives, checked field by field, and the Kotak simulator's
accounts, made for a trader who connects it without a login of their own and registered again
when an embedded simulator (which keeps its accounts in memory) starts afresh."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from .kotak_credentials import KotakCredentialErrors, KotakLogin, kotak_login_clean
from .models import ExchangeConfig

logger = logging.getLogger(__name__)

KOTAK_SIMULATOR = "kotak_simulator"
LOGIN_FIELDS = ("consumer_key", "consumer_secret", "mobile_number", "ucc", "mpin", "totp_secret")


def kotak_simulator_control() -> Any:
    from .adapters.registry import kotak_simulator_url
    from .kotak_simulator import KotakSimulatorControl

    return KotakSimulatorControl(
        kotak_simulator_url(), getattr(settings, "KOTAK_SIMULATOR_CONTROL_TOKEN", "")
    )


def kotak_login_for_account(
    *, kind: str, api_key: str, api_secret: str, mobile_number: str, ucc: str, mpin: str, totp_secret: str
) -> KotakLogin:
    """The login to store; ValidationError naming each bad field (never echoing its value)."""
    given = (api_key, api_secret, mobile_number, ucc, mpin, totp_secret)
    if kind == KOTAK_SIMULATOR and not any(value.strip() for value in given):
        return kotak_simulator_login_provision()
    try:
        return kotak_login_clean(
            consumer_key=api_key,
            consumer_secret=api_secret,
            mobile_number=mobile_number,
            ucc=ucc,
            mpin=mpin,
            totp_secret=totp_secret,
        )
    except KotakCredentialErrors as exc:
        raise ValidationError(exc.errors) from None


def kotak_simulator_login_provision() -> KotakLogin:
    """A new funded account on the Kotak simulator (cash and two demo holdings)."""
    from .simulator import SimulatorControlError

    try:
        made = kotak_simulator_control().provision_account()
    except SimulatorControlError as exc:
        raise ValidationError(
            {"exchange": [f"The Kotak simulator cannot be reached: {exc.detail}"]}
        ) from None
    return kotak_login_clean(**{name: str(made.get(name, "")) for name in LOGIN_FIELDS})


def kotak_simulator_accounts_restore() -> int:
    """Register every stored Kotak simulator login with the simulator again: an embedded
    simulator starts empty at each `make run`, while the accounts in the database stay. Returns
    how many were registered."""
    from .simulator import SimulatorControlError

    control = kotak_simulator_control()
    restored = 0
    for config in ExchangeConfig.objects.filter(exchange=KOTAK_SIMULATOR):
        try:
            control.provision_account(
                consumer_key=str(config.api_key),
                consumer_secret=str(config.api_secret),
                mobile_number=str(config.mobile_number),
                ucc=str(config.ucc),
                mpin=str(config.mpin),
                totp_secret=str(config.totp_secret),
            )
            restored += 1
        except SimulatorControlError as exc:
            logger.warning("could not restore Kotak simulator account %s: %s", config.pk, exc.detail)
    return restored
