"""The engine's adjustable rules: fees, spread, liquidity cap, open-order limit."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

ZERO = Decimal(0)


@dataclass
class EngineConfig:
    maker_fee: Decimal = Decimal("0.001")
    taker_fee: Decimal = Decimal("0.001")
    liquidity_per_tick: Decimal | None = None  # quote notional per symbol and side per price update
    spread_bps: Decimal = ZERO  # 0: bid = ask = the price, so market orders fill at "the" price
    max_open_orders: int = 200  # per account and symbol (Binance's MAX_NUM_ORDERS)

    def validate(self) -> EngineConfig:
        if not (0 <= self.maker_fee < 1 and 0 <= self.taker_fee < 1):
            raise ValueError("fees are rates from 0 to below 1 (0.001 is 0.1 %)")
        if self.liquidity_per_tick is not None and self.liquidity_per_tick <= 0:
            raise ValueError("liquidity_per_tick must be positive (or null: unlimited)")
        if not 0 <= self.spread_bps < 10000:
            raise ValueError("spread_bps must be from 0 to below 10000")
        if self.max_open_orders < 1:
            raise ValueError("max_open_orders must be at least 1")
        return self

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: Decimals as strings."""
        return {
            f.name: str(v) if isinstance(v := getattr(self, f.name), Decimal) else v for f in fields(self)
        }
