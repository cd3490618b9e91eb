"""Per-API-key accounts: the key's secret, permissions and balances (free and locked)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from .errors import insufficient_balance

ZERO = Decimal(0)


@dataclass
class Balance:
    free: Decimal = ZERO
    locked: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.free + self.locked


class LedgerError(RuntimeError):
    """A bookkeeping invariant broke (a bug in the engine, never a client's mistake)."""


@dataclass
class Account:
    api_key: str
    api_secret: str
    created_ms: int
    can_trade: bool = True
    can_withdraw: bool = False
    updated_ms: int = 0
    balances: dict[str, Balance] = field(default_factory=dict)

    def balance(self, asset: str) -> Balance:
        return self.balances.setdefault(asset, Balance())

    def deposit(self, asset: str, amount: Decimal) -> None:
        if amount < 0:
            raise LedgerError(f"negative deposit of {amount} {asset}")
        self.balance(asset).free += amount

    def set_free(self, asset: str, amount: Decimal) -> None:
        if amount < 0:
            raise LedgerError(f"negative balance {amount} {asset}")
        self.balance(asset).free = amount

    def lock(self, asset: str, amount: Decimal) -> None:
        """Reserve funds for an open order; refused like Binance when the free part is short."""
        balance = self.balance(asset)
        if balance.free < amount:
            raise insufficient_balance()
        balance.free -= amount
        balance.locked += amount

    def unlock(self, asset: str, amount: Decimal) -> None:
        balance = self.balance(asset)
        if balance.locked < amount:
            raise LedgerError(f"unlocking {amount} {asset} with only {balance.locked} locked")
        balance.locked -= amount
        balance.free += amount

    def spend_free(self, asset: str, amount: Decimal) -> None:
        balance = self.balance(asset)
        if balance.free < amount:
            raise insufficient_balance()
        balance.free -= amount

    def spend_locked(self, asset: str, amount: Decimal) -> None:
        balance = self.balance(asset)
        if balance.locked < amount:
            raise LedgerError(f"spending {amount} {asset} with only {balance.locked} locked")
        balance.locked -= amount

    def copy(self) -> Account:
        return replace(self, balances={a: Balance(b.free, b.locked) for a, b in self.balances.items()})

    @property
    def masked_key(self) -> str:
        key = self.api_key
        return f"{key[:4]}...{key[-4:]}" if len(key) > 12 else key[:2] + "..."
