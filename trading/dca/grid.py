"""The DCA grid, pure: levels, the 3Commas expansion, leg prices and quantities, take-profit
targets and PnL. No Django; Decimal in, Decimal out, never a float.

Sign convention (one config serves both sides): `gap_percent` is the move *against* the
position, written negative ("-2" = 2 % adverse). A long leg sits at `entry * (1 + gap/100)`
(below entry); a short leg mirrors it at `entry * (1 - gap/100)` (above entry). Likewise
`tp_percent` is always the favourable move: above the fill for a long, below it for a short.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import Literal, Protocol, TypedDict, Unpack

from brokers.precision import floor_to

Side = Literal["long", "short"]
SIDES: tuple[Side, ...] = ("long", "short")

HUNDRED = Decimal(100)
WEIGHT_TOLERANCE = Decimal("0.01")  # the semantics page: weights sum to 100 (±0.01)
MAX_TP_PERCENT = Decimal(1000)  # a sanity bound; a 10x target is surely a typo beyond that
# Expanded 3Commas weights are stored in the config and shown to users; six decimals of a
# percent is far below any exchange step, and the rounding remainder goes to the base order.
WEIGHT_QUANTUM = Decimal("0.000001")


class GridError(ValueError):
    """A grid that cannot be built; the message names the level/leg and the broken rule."""


def as_decimal(name: str, value: object) -> Decimal:
    # Floats are refused, not converted: Decimal(0.1) silently carries binary noise into prices.
    if isinstance(value, bool) or isinstance(value, float):
        raise GridError(f"{name} must be a Decimal, int or str, not {type(value).__name__}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(value)
        except ArithmeticError as exc:
            raise GridError(f"{name} is not a number: {value!r}") from exc
    else:
        raise GridError(f"{name} must be a Decimal, int or str, not {type(value).__name__}")
    if not result.is_finite():
        raise GridError(f"{name} must be finite, got {value!r}")
    return result


def check_side(side: str) -> None:
    if side not in SIDES:
        raise GridError(f"side must be 'long' or 'short', got {side!r}")


def plain(value: Decimal) -> str:
    """A number as a trader writes it in a message: "110", not "110.0000000000" (the API's
    10-place quantization) nor "1.1E+2" (what `normalize` alone prints)."""
    return format(value.normalize(), "f")


def _amount_text(value: Decimal, tick: Decimal) -> str:
    # An allocation such as 1000 * 33.33 % has 28 digits; a quote amount reads best on the
    # market's tick (never fewer than cents), rounded down so a short amount never reads as enough.
    exponent = tick.normalize().as_tuple().exponent
    places = max(-exponent, 2) if isinstance(exponent, int) else 2
    return format(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN), "f")


@dataclass(frozen=True)
class Level:
    gap_percent: Decimal  # <= 0: how far against the position the leg sits
    weight_percent: Decimal  # share of the pyramid's capital
    tp_percent: Decimal  # per-leg take-profit, from the leg's fill price

    def __post_init__(self) -> None:
        for name in ("gap_percent", "weight_percent", "tp_percent"):
            object.__setattr__(self, name, as_decimal(name, getattr(self, name)))


@dataclass(frozen=True)
class GridConfig:
    levels: tuple[Level, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "levels", tuple(self.levels))
        validate_levels(self.levels)


class MarketPrecision(Protocol):
    """What the grid needs from a market: `brokers.adapters.base.Market` satisfies it."""

    @property
    def tick_size(self) -> Decimal: ...
    @property
    def step_size(self) -> Decimal: ...
    @property
    def min_qty(self) -> Decimal: ...
    @property
    def min_notional(self) -> Decimal: ...


@dataclass(frozen=True)
class Precision:
    """A market's rules without the rest of `Market` (tests, previews)."""

    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal = Decimal(0)
    min_notional: Decimal = Decimal(0)


@dataclass(frozen=True)
class Leg:
    level: int  # index into the levels; 0 is the entry
    price: Decimal  # limit price, on the tick
    quantity: Decimal  # base currency, on the step
    notional: Decimal  # price * quantity, in quote currency
    tp_price: Decimal  # planned per-leg target; re-derive from the actual fill with tp_price()


def validate_levels(levels: Sequence[Level], *, side: Side = "long") -> None:
    """Raise GridError naming the first broken rule. Gaps are non-increasing: deeper legs
    never sit closer to entry than earlier ones (equal gaps are allowed, e.g. two orders)."""
    check_side(side)
    if not levels:
        raise GridError("a grid needs at least one level (the entry)")
    if levels[0].gap_percent != 0:
        raise GridError(f"level 0 is the entry and must have gap 0, got {plain(levels[0].gap_percent)}")
    previous_gap = Decimal(0)
    for index, level in enumerate(levels):
        where = f"level {index}"
        if index > 0 and not Decimal(-100) < level.gap_percent < 0:
            raise GridError(
                f"{where}: gap_percent must be between -100 and 0, got {plain(level.gap_percent)}"
            )
        if level.gap_percent > previous_gap:
            raise GridError(
                f"{where}: gap_percent {plain(level.gap_percent)} is above the previous level's "
                f"{plain(previous_gap)}; gaps must not increase"
            )
        previous_gap = level.gap_percent
        if not 0 < level.weight_percent <= HUNDRED:
            raise GridError(f"{where}: weight_percent must be in (0, 100], got {plain(level.weight_percent)}")
        # A short's target is below the fill: 100 % or more would be a price of zero or less.
        tp_ok = 0 < level.tp_percent < HUNDRED if side == "short" else 0 < level.tp_percent <= MAX_TP_PERCENT
        if not tp_ok:
            bound = "below 100" if side == "short" else f"at most {MAX_TP_PERCENT}"
            raise GridError(
                f"{where}: tp_percent must be positive and {bound} for a {side}, "
                f"got {plain(level.tp_percent)}"
            )
    total = sum((level.weight_percent for level in levels), Decimal(0))
    if abs(total - HUNDRED) > WEIGHT_TOLERANCE:
        raise GridError(f"weights sum to {plain(total)} %, not 100 % (±{WEIGHT_TOLERANCE})")


class ThreeCommasBot(TypedDict):
    """A 3Commas bot's orders as its settings page names them: absolute quote amounts for the
    base and first safety order, the safety orders' count, price step and the two scales."""

    base_order: Decimal
    safety_order: Decimal
    safety_orders: int
    step_percent: Decimal
    step_scale: Decimal
    volume_scale: Decimal


def _3commas_orders(bot: ThreeCommasBot) -> tuple[Decimal, list[Decimal], list[Decimal]]:
    """(base order, total deviations, volumes) of the safety orders, 1-based n: deviation
    d * (1 + s + ... + s^(n-1)) %, volume v * m^(n-1) in quote currency."""
    base = as_decimal("base_order", bot["base_order"])
    if base <= 0:
        raise GridError(f"base_order must be positive, got {plain(base)}")
    safety_orders: object = bot["safety_orders"]
    if isinstance(safety_orders, bool) or not isinstance(safety_orders, int) or safety_orders < 0:
        raise GridError(f"safety_orders must be a whole number >= 0, got {safety_orders!r}")
    volume = as_decimal("safety_order", bot["safety_order"])
    d = as_decimal("step_percent", bot["step_percent"])
    s = as_decimal("step_scale", bot["step_scale"])
    m = as_decimal("volume_scale", bot["volume_scale"])
    if safety_orders and (volume <= 0 or d <= 0 or s <= 0 or m <= 0):
        raise GridError("safety_order, step_percent, step_scale and volume_scale must be positive")
    deviations: list[Decimal] = []
    volumes: list[Decimal] = []
    deviation, step, size = Decimal(0), d, volume
    for n in range(1, safety_orders + 1):
        deviation += step  # d * (1 + s + ... + s^(n-1)), accumulated term by term
        if deviation >= HUNDRED:
            raise GridError(f"safety order {n}: total deviation {plain(deviation)} % reaches 100 % (price 0)")
        if deviations and deviation <= deviations[-1]:
            raise GridError(
                f"safety order {n}: step_scale {plain(s)} is too small; deviation stops increasing"
            )
        deviations.append(deviation)
        volumes.append(size)
        step *= s
        size *= m
    return base, deviations, volumes


def capital_from_3commas(**bot: Unpack[ThreeCommasBot]) -> Decimal:
    """A 3Commas bot's capital per deal: the base order plus every safety order, all absolute
    quote amounts (base 100, safety 50, two orders, volume scale 1 -> 200). Storing it as the
    pyramid's capital makes `capital * weight` give back exactly those amounts."""
    base, _, volumes = _3commas_orders(bot)
    return base + sum(volumes, Decimal(0))


def levels_from_3commas(*, tp_percent: Decimal, **bot: Unpack[ThreeCommasBot]) -> tuple[Level, ...]:
    """Expand the 3Commas parametric form. Safety order n (1-based) sits at total deviation
    d * (1 + s + ... + s^(n-1)) % below entry with volume v * m^(n-1); weights are each order's
    share of base + all safety volumes (`capital_from_3commas`). 3Commas has one take-profit,
    measured from the average entry; the page gives no per-level value, so every level gets
    `tp_percent` (pass the config's `tp_aggregate_percent`): with tp_mode `aggregate` it is the
    group target, with `per_leg` each leg aims for the same move. `active_safety_orders` limits
    how many rest on the book at once, which is the engine's business, not the grid's."""
    tp = as_decimal("tp_percent", tp_percent)
    base, deviations, volumes = _3commas_orders(bot)
    total = base + sum(volumes, Decimal(0))
    safety_weights = [(HUNDRED * v / total).quantize(WEIGHT_QUANTUM, rounding=ROUND_DOWN) for v in volumes]
    for n, weight in enumerate(safety_weights, start=1):
        if weight <= 0:
            raise GridError(f"safety order {n}: volume is too small a share of the total to express")
    # Rounding every safety weight down and giving the remainder to the base keeps the sum at
    # exactly 100 and never inflates a safety order past its 3Commas volume.
    base_weight = HUNDRED - sum(safety_weights, Decimal(0))
    safety_levels = [Level(-dev, weight, tp) for dev, weight in zip(deviations, safety_weights, strict=True)]
    levels = (Level(Decimal(0), base_weight, tp), *safety_levels)
    validate_levels(levels)
    return levels


def _ceil_to(value: Decimal, increment: Decimal) -> Decimal:
    """The smallest multiple of `increment` that is >= `value`; the mirror of floor_to."""
    steps = (value / increment).to_integral_value(rounding=ROUND_UP)
    return (steps * increment).quantize(increment.normalize())


def tp_price(*, fill_price: Decimal, tp_percent: Decimal, tick_size: Decimal, side: Side = "long") -> Decimal:
    """The take-profit for a fill, rounded to the tick *away from the fill* (up for a long,
    down for a short), so the target never promises less than tp_percent: rounding toward the
    fill could put a small target on the fill price itself, a take-profit that earns nothing."""
    check_side(side)
    if side == "long":
        return _ceil_to(fill_price * (1 + tp_percent / HUNDRED), tick_size)
    target = floor_to(fill_price * (1 - tp_percent / HUNDRED), tick_size)
    if target <= 0:
        raise GridError(
            f"a short take-profit of {plain(tp_percent)} % from {plain(fill_price)} is not a positive price"
        )
    return target


def compute_grid(
    *,
    entry: Decimal,
    capital: Decimal,
    levels: Sequence[Level],
    market: MarketPrecision,
    side: Side = "long",
) -> list[Leg]:
    """One pyramid's legs. Price and quantity are rounded down (never spend more than the
    level's share of capital); a leg below the market's minimums makes the whole grid invalid."""
    validate_levels(levels, side=side)
    entry, capital = as_decimal("entry", entry), as_decimal("capital", capital)
    if entry <= 0:
        raise GridError(f"entry price must be positive, got {plain(entry)}")
    if capital <= 0:
        raise GridError(f"capital must be positive, got {plain(capital)}")
    tick, step = market.tick_size, market.step_size
    direction = 1 if side == "long" else -1
    legs: list[Leg] = []
    for index, level in enumerate(levels):
        price = floor_to(entry * (1 + direction * level.gap_percent / HUNDRED), tick)
        if price <= 0:
            raise GridError(f"leg {index}: price {plain(price)} is below the tick size {plain(tick)}")
        allocation = capital * level.weight_percent / HUNDRED
        quantity = floor_to(allocation / price, step)
        # The division rounds at 28 digits and may land a hair above a step boundary; one step
        # back keeps the leg within its allocation.
        if quantity * price > allocation:
            quantity -= step
        if quantity <= 0 or quantity < market.min_qty:
            raise GridError(
                f"leg {index}: quantity {plain(quantity)} (of {_amount_text(allocation, tick)} at {price}) "
                f"is below the minimum quantity {plain(market.min_qty)} (step {plain(step)})"
            )
        notional = price * quantity
        if notional < market.min_notional:
            raise GridError(
                f"leg {index}: order value {_amount_text(notional, tick)} is below the minimum notional "
                f"{plain(market.min_notional)}"
            )
        try:
            target = tp_price(fill_price=price, tp_percent=level.tp_percent, tick_size=tick, side=side)
        except GridError as exc:  # a short target that rounds to zero: say which leg
            raise GridError(f"leg {index}: {exc}") from exc
        legs.append(Leg(level=index, price=price, quantity=quantity, notional=notional, tp_price=target))
    return legs


def average_entry(fills: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """Quantity-weighted average of (price, quantity) fills. Not rounded: it is a reference
    for targets and PnL, not an order price."""
    cost = quantity = Decimal(0)
    for price, qty in fills:
        cost += price * qty
        quantity += qty
    if quantity <= 0:
        raise GridError("no filled quantity to average")
    return cost / quantity


def aggregate_tp_price(
    *, average_entry: Decimal, tp_aggregate_percent: Decimal, tick_size: Decimal, side: Side = "long"
) -> Decimal:
    """The group target, `weighted_avg_entry * (1 ± tp_aggregate_percent/100)`, rounded like a leg's."""
    return tp_price(fill_price=average_entry, tp_percent=tp_aggregate_percent, tick_size=tick_size, side=side)


def trailing_exit_price(
    *, extreme: Decimal, trailing_deviation_percent: Decimal, side: Side = "long"
) -> Decimal:
    """Where a trailing take-profit exits at market: the peak less the deviation for a long,
    the trough plus it for a short. Not rounded: it is a trigger compared with the last price."""
    check_side(side)
    direction = -1 if side == "long" else 1
    return extreme * (1 + direction * trailing_deviation_percent / HUNDRED)


def realized_pnl(
    *,
    quantity: Decimal,
    entry_price: Decimal,
    exit_price: Decimal,
    fees: Decimal = Decimal(0),
    side: Side = "long",
) -> Decimal:
    """Proceeds of the sells - cost of the buys - all fees, in quote currency. `fees` are
    the fees on both the opening and the closing orders of `quantity`, already in quote."""
    check_side(side)
    move = exit_price - entry_price if side == "long" else entry_price - exit_price
    return move * quantity - fees


def unrealized_pnl(
    *,
    quantity: Decimal,
    average_entry: Decimal,
    mark_price: Decimal,
    fees: Decimal = Decimal(0),
    side: Side = "long",
) -> tuple[Decimal, Decimal]:
    """(amount in quote, percent of the entry cost) if `quantity` closed at `mark_price`.
    `fees` are those already paid; the exit fee is unknown until it happens."""
    amount = realized_pnl(
        quantity=quantity, entry_price=average_entry, exit_price=mark_price, fees=fees, side=side
    )
    cost = average_entry * quantity
    if cost <= 0:
        raise GridError("no open quantity to value")
    return amount, amount / cost * HUNDRED


def winner_close_quantity(
    *,
    required: Decimal,
    winner_profit: Decimal,
    current_price: Decimal,
    average_entry: Decimal,
    step_size: Decimal,
    side: Side = "long",
) -> Decimal:
    """The risk engine's partial close of a winner: `min(required, profit) / per-unit profit`,
    rounded down to the step (never realize more than needed). 0 when the group is not in profit;
    the caller skips a result below the minimum notional."""
    check_side(side)
    per_unit = current_price - average_entry if side == "long" else average_entry - current_price
    wanted = min(required, winner_profit)
    if per_unit <= 0 or wanted <= 0:
        return Decimal(0).quantize(step_size)
    return floor_to(wanted / per_unit, step_size)
