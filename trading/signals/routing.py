"""Where a signal goes: the user's exchange accounts, DCA configurations and the limits of their
trading configuration (pool size, signal age), kept per process and reused while
`User.routes_version` is unchanged (the webhook and the worker both read it).

The webhook reads the user row anyway (for the secret); carrying the version on it makes the
account and configuration checks free on the hot path: no query until something changes. Any
save or delete of an ExchangeConfig or DCAConfig bumps the version (`bump_routes`), so the next
webhook reloads. Both sides read committed data, so a reload can never be older than the
version it is stored under.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import F

from brokers.models import ExchangeConfig
from trading.dca.models import DCAConfig
from trading.runtime.models import ServiceStatus
from trading.settings.models import UserTradingConfig

MAX_USERS = 20_000
_lock = threading.Lock()
_cache: OrderedDict[Any, tuple[int, Routes]] = OrderedDict()


class AccountNotFound(LookupError):
    """The user has no enabled account for the exchange (or none with that label)."""


@dataclass(frozen=True)
class AccountRoute:
    id: Any
    exchange: str
    label: str
    mode: str
    is_default: bool
    created_at: datetime

    def as_model(self) -> ExchangeConfig:
        """An unsaved stand-in with what a signal needs (its id for the foreign key, exchange and
        mode for the markets); never saved."""
        return ExchangeConfig(id=self.id, exchange=self.exchange, label=self.label, mode=self.mode)


@dataclass(frozen=True)
class Routes:
    accounts: tuple[AccountRoute, ...]
    # Read-only copies, shared by the threads of a process: never saved from here.
    configs: tuple[DCAConfig, ...]
    # From the user's trading configuration (settings' defaults until they save one).
    max_open_groups: int = 10
    max_signal_age_seconds: int = 300
    # The execution queue (trading/queue): pyramids without a slot, the ranking rules in order
    # as (name, enabled) pairs, the daily realized-loss circuit breaker (None: no limit).
    pyramids_bypass_pool: bool = True
    queue_rules: tuple[tuple[str, bool], ...] = ()
    max_realized_loss_per_day: Decimal | None = None
    # The user's trading service (runtime.models.ServiceStatus): stopped means no new entries.
    service_running: bool = True

    def account(self, *, exchange: str, label: str | None) -> AccountRoute:
        """The account a signal trades on: the one labelled `label`, else the user's default for
        the exchange, else their only enabled account there."""
        exchange = exchange.strip().lower()
        candidates = sorted(
            (a for a in self.accounts if a.exchange == exchange),
            key=lambda a: (not a.is_default, a.created_at),
        )
        if label:
            for account in candidates:
                if account.label.lower() == label.strip().lower():
                    return account
            raise AccountNotFound(f"You have no enabled {exchange} account labelled '{label}'.")
        if not candidates:
            raise AccountNotFound(
                f"You have no enabled {exchange} account. Connect one under Exchange accounts."
            )
        if candidates[0].is_default or len(candidates) == 1:
            return candidates[0]
        raise AccountNotFound(
            f"You have several {exchange} accounts and none is the default: "
            "name one in execution_intent.account."
        )

    def dca_config(self, *, account_id: Any, exchange: str, symbol: str, timeframe: str) -> DCAConfig | None:
        """The configuration for a pair: the account's own before the exchange-wide default, and
        the exact timeframe before the any-timeframe one."""
        matches = [
            c
            for c in self.configs
            if c.symbol == symbol
            and c.timeframe in (timeframe, "")
            and (c.account_id == account_id or (c.account_id is None and c.exchange == exchange))
        ]
        matches.sort(key=lambda c: (c.account_id is None, c.timeframe == ""))
        return matches[0] if matches else None

    def has_dca_config(self, *, account: AccountRoute, symbol: str, timeframe: str) -> bool:
        return (
            self.dca_config(
                account_id=account.id, exchange=account.exchange, symbol=symbol, timeframe=timeframe
            )
            is not None
        )


def routes_for(user: Any) -> Routes:
    """The user's routes at their current `routes_version` (read with the user row)."""
    version = user.routes_version
    with _lock:
        hit = _cache.get(user.pk)
        if hit is not None and hit[0] == version:
            _cache.move_to_end(user.pk)
            return hit[1]
    routes = _load(user.pk)
    with _lock:
        _cache[user.pk] = (version, routes)
        _cache.move_to_end(user.pk)
        while len(_cache) > MAX_USERS:
            _cache.popitem(last=False)
    return routes


def _load(user_id: Any) -> Routes:
    accounts = tuple(
        AccountRoute(*row)
        for row in ExchangeConfig.objects.filter(user_id=user_id, is_enabled=True).values_list(
            "id", "exchange", "label", "mode", "is_default", "created_at"
        )
    )
    from django.conf import settings

    limits = UserTradingConfig.objects.filter(user_id=user_id).values(
        "max_open_groups",
        "max_signal_age_seconds",
        "pyramids_bypass_pool",
        "queue_rules",
        "max_realized_loss_per_day",
    ).first() or {
        "max_open_groups": settings.TRADING_MAX_OPEN_GROUPS,
        "max_signal_age_seconds": settings.TRADING_MAX_SIGNAL_AGE_SECONDS,
    }
    rules = tuple(
        (str(rule.get("rule")), rule.get("enabled", True))
        for rule in (limits.pop("queue_rules", None) or ())
        if isinstance(rule, dict)
    )
    running = ServiceStatus.objects.filter(user_id=user_id).values_list("running", flat=True).first()
    return Routes(
        accounts,
        tuple(DCAConfig.objects.filter(user_id=user_id)),
        **limits,
        queue_rules=rules,
        service_running=running is not False,  # no row yet: a new user's service runs
    )


def bump_routes(user_id: Any) -> None:
    from accounts.models import User

    User.objects.filter(pk=user_id).update(routes_version=F("routes_version") + 1)


def _on_change(sender: Any, instance: Any, **_: Any) -> None:
    bump_routes(instance.user_id)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    for model in (ExchangeConfig, DCAConfig, UserTradingConfig, ServiceStatus):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"routes-{model.__name__}-save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"routes-{model.__name__}-delete")


def forget_routes() -> None:
    with _lock:
        _cache.clear()
