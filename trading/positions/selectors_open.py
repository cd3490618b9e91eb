"""Read queries of the trading app, always scoped to a user."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import User
from brokers.models import ExchangeConfig
from trading.dca.models import DCAConfig
from trading.positions.models import OPEN_GROUP_STATUSES, PositionGroup


def dca_config_for(
    *, user: User | object, account: ExchangeConfig, symbol: str, timeframe: str
) -> DCAConfig | None:
    """The configuration for a pair: the account's own before the exchange-wide default, and the
    exact timeframe before the any-timeframe one."""
    candidates = DCAConfig.objects.filter(
        Q(account=account) | Q(account__isnull=True, exchange=account.exchange),
        user=user,
        symbol=symbol,
        timeframe__in=[timeframe, ""],
    )
    ranked = sorted(candidates, key=lambda c: (c.account_id is None, c.timeframe == ""))
    return ranked[0] if ranked else None


def open_groups(user: User | object) -> QuerySet[PositionGroup]:
    return PositionGroup.objects.filter(user=user, status__in=OPEN_GROUP_STATUSES)


def open_group_for_key(
    *, user: User | object, account: ExchangeConfig, symbol: str, timeframe: str, side: str
) -> PositionGroup | None:
    return open_groups(user).filter(account=account, symbol=symbol, timeframe=timeframe, side=side).first()
