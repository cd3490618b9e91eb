"""How big an entry or pyramid is, and on which grid: the capital (the signal's size, else the
DCA configuration's capital per pyramid, within its exposure limit) and the grid's levels for
pyramid N. `Refused` is the engine's refusal of a signal, with the reason the trader reads.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from trading.dca.grid import Level
from trading.dca.models import DCAConfig
from trading.positions.models import PositionGroup
from trading.signals.models import Classification, Signal


class Refused(Exception):
    """The signal cannot be acted on; `reason` is shown to the trader."""

    def __init__(self, reason: str, classification: str = Classification.INVALID) -> None:
        super().__init__(reason)
        self.reason = reason
        self.classification = classification


def decimal_or_none(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def entry_capital(signal: Signal, config: DCAConfig, group: PositionGroup | None, price: Decimal) -> Decimal:
    size = decimal_or_none(signal.parsed.get("order_size"))
    size_type = signal.parsed.get("position_size_type") or "contracts"
    if size is not None and size > 0:
        capital = size if size_type == "quote" else size * price
    elif config.capital_per_pyramid:
        capital = config.capital_per_pyramid
    else:
        raise Refused(
            "No position size: send tv.order_size or set capital_per_pyramid in the DCA configuration."
        )
    if config.max_total_exposure:
        committed = sum((p.capital for p in group.pyramids.all()), Decimal(0)) if group else Decimal(0)
        room = config.max_total_exposure - committed
        if room <= 0:
            raise Refused(f"The exposure limit of {config.max_total_exposure} for this pair is reached.")
        capital = min(capital, room)
    return capital


def grid_levels(config: DCAConfig, index: int) -> list[Level]:
    raw = (config.pyramid_levels or {}).get(str(index)) or config.levels
    return [
        Level(Decimal(x["gap_percent"]), Decimal(x["weight_percent"]), Decimal(x["tp_percent"])) for x in raw
    ]
