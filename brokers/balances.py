"""An account's balances as validation stores them (`ExchangeConfig.balances`): every asset with a
non-zero total, `{"USDT": {"free": "900", "total": "1000"}}`, amounts as decimal strings so the
JSON keeps them exact."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from brokers.adapters.base import Balance

ZERO = Decimal(0)


def _text(amount: Decimal) -> str:
    # normalize() drops trailing zeros; `f` keeps 1E+3 as 1000 (never exponent notation).
    return f"{amount.normalize():f}"


def balances_to_json(balances: Mapping[str, Balance]) -> dict[str, dict[str, str]]:
    """The non-zero balances, assets sorted."""
    return {
        asset: {"free": _text(balance.free), "total": _text(balance.total)}
        for asset, balance in sorted(balances.items())
        if balance.total != ZERO
    }
