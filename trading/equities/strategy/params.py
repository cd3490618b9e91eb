"""Every number of the NSE equities strategy, with its default: one user's trading config.

Units, so a field's name says how to read it:
- `*_pct` is a percentage (8 means 8 %), as the old service's chart-quality fields were;
- `*_ratio` and `*_weight` are plain fractions or multiples (0.7 means 0.7x);
- `*_period`, `*_days`, `*_size`, `*_years` and the RSI levels of `reentry_levels` are counts (int).

`StrategyParams(...)` refuses inconsistent values (raises `InvalidStrategyParams`), so a params
object in hand is always usable. `from_mapping` reads a stored or submitted dict (strings, ints,
floats or Decimals; missing keys keep their default) and reports every bad field at once, keyed
by field name; `to_mapping` writes the JSON-safe dict it reads back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any

D = Decimal
Tier = tuple[Decimal, Decimal]  # (lowest price of the tier, largest fraction of average volume)


class InvalidStrategyParams(ValueError):
    """Bad config values; `errors` maps each bad field to a message a trader understands."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors: dict[str, str] = dict(errors)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.errors.items()))


@dataclass(frozen=True)
class StrategyParams:
    # Indicators on daily candles.
    rsi_period: int = 10
    ema_periods: tuple[int, ...] = (9, 20, 50, 200)  # the exit EMA, two context EMAs, the trend EMA
    avg_volume_days: int = 50
    recent_low_days: int = 20  # the swing low of the dip: about a trading month

    # Entry: RSI below `rsi_oversold` above EMA200, below `rsi_extreme_oversold` under it.
    rsi_oversold: Decimal = Decimal(30)
    rsi_extreme_oversold: Decimal = Decimal(20)
    rsi_near_oversold: Decimal = Decimal(40)  # "approaching a setup": watch lists and alerts, not entries

    # Volume and liquidity.
    volume_ratio_min: Decimal = Decimal("0.7")  # the day's volume against its average
    volume_ratio_min_oversold: Decimal = Decimal("0.5")  # ... when RSI is under rsi_oversold
    volume_ratio_strong: Decimal = Decimal("1.2")
    min_avg_volume: int = 10_000
    # Largest share of the average daily volume one position may take, by price (highest first).
    liquidity_tiers: tuple[Tier, ...] = (
        (Decimal(5000), Decimal("0.02")),
        (Decimal(1000), Decimal("0.05")),
        (Decimal(500), Decimal("0.10")),
        (Decimal(0), Decimal("0.20")),
    )

    # Chart quality: 100 minus the penalties below; under the minimum score the stock is avoided.
    chart_quality_enabled: bool = True
    chart_quality_min_score: Decimal = Decimal(50)
    chart_quality_window_days: int = 60  # gaps and movement look back this far
    chart_quality_max_gap_frequency: Decimal = Decimal(25)  # % of days that gap: above it, the big penalty
    chart_quality_warn_gap_frequency: Decimal = Decimal(10)
    chart_quality_gap_penalty: Decimal = Decimal(30)
    chart_quality_warn_gap_penalty: Decimal = Decimal(15)
    chart_quality_min_daily_range_pct: Decimal = Decimal(1)  # flat: a smaller average (high-low)/close ...
    chart_quality_flat_max_price_range_pct: Decimal = Decimal(15)  # ... and a narrow range over the window
    chart_quality_flat_penalty: Decimal = Decimal(25)
    chart_quality_low_range_pct: Decimal = Decimal(2)  # not flat, but an average daily range under this
    chart_quality_low_range_penalty: Decimal = Decimal(10)
    chart_quality_extreme_days: int = 30
    chart_quality_extreme_body_pct: Decimal = Decimal(5)  # a candle whose |close-open|/open is above this
    chart_quality_extreme_body_range_ratio: Decimal = Decimal(3)  # ... or its body above 3x the average range
    chart_quality_max_extreme_candle_frequency: Decimal = Decimal(20)
    chart_quality_warn_extreme_candle_frequency: Decimal = Decimal(10)
    chart_quality_extreme_penalty: Decimal = Decimal(25)
    chart_quality_warn_extreme_penalty: Decimal = Decimal(15)

    # Fundamentals, when known: a loss maker (PE < 0) priced at PB >= this is avoided.
    pb_max_for_loss_maker: Decimal = Decimal(5)

    # Scores.
    min_combined_score: Decimal = Decimal(25)
    backtest_years: int = 2
    backtest_return_weight: Decimal = Decimal("0.4")
    backtest_win_rate_weight: Decimal = Decimal("0.4")
    backtest_buy_and_hold_weight: Decimal = Decimal("0.2")
    backtest_full_return_pct: Decimal = Decimal(30)  # a compounded return earning the full return part
    backtest_full_excess_pct: Decimal = Decimal(30)  # points above buy-and-hold earning that part in full
    strong_buy_min_combined_score: Decimal = Decimal(40)  # with strong volume: strong_buy from here
    excellent_min_combined_score: Decimal = Decimal(50)  # a strong_buy aims at the excellent targets

    # Targets (at least this % above the entry and this many R) and the stop:
    # stop = min(recent low x (1 - stop_below_recent_low_pct %), price x (1 - max_stop_pct %)).
    buy_target_pct: Decimal = Decimal(8)
    buy_risk_reward: Decimal = Decimal("2.5")
    strong_buy_target_pct: Decimal = Decimal(12)
    strong_buy_risk_reward: Decimal = Decimal(3)
    excellent_target_pct: Decimal = Decimal(15)
    excellent_risk_reward: Decimal = Decimal("3.5")
    stop_below_recent_low_pct: Decimal = Decimal("0.5")
    max_stop_pct: Decimal = Decimal(8)

    # Sizing.
    user_capital: Decimal = Decimal(200_000)
    max_position_volume_ratio: Decimal = Decimal("0.10")
    max_portfolio_size: int = 6

    # Exit: a limit sell at the real-time EMA9 = LTP x weight + yesterday's EMA9 x (1 - weight).
    exit_ema_weight_ltp: Decimal = Decimal("0.2")
    skip_exit_below_entry_ratio: Decimal = Decimal("0.95")  # no sell while EMA9 < entry x this
    exit_on_rsi_enabled: bool = True  # the old service's exit_on_ema9_or_rsi50
    exit_on_rsi_above: Decimal = Decimal(50)

    # Re-entry (averaging down) when RSI falls under each level in turn; reset above this.
    reentry_levels: tuple[int, ...] = (30, 20, 10)
    reentry_reset_above: Decimal = Decimal(30)

    def __post_init__(self) -> None:
        errors = _problems(self)
        if errors:
            raise InvalidStrategyParams(errors)

    @property
    def exit_ema_period(self) -> int:
        return self.ema_periods[0]

    @property
    def trend_ema_period(self) -> int:
        return self.ema_periods[-1]

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> StrategyParams:
        """Params from a dict such as `to_mapping()` writes; missing keys keep their default.
        Raises InvalidStrategyParams with every bad field (unknown names included)."""
        defaults = cls()
        known = {f.name for f in fields(cls)}
        errors = {name: "unknown field" for name in values if name not in known}
        parsed: dict[str, Any] = {}
        for name, raw in values.items():
            if name not in known:
                continue
            try:
                parsed[name] = _parse_like(getattr(defaults, name), raw)
            except (TypeError, ValueError, InvalidOperation) as exc:
                errors[name] = str(exc) or "invalid value"
        if errors:
            try:  # the values that did parse may break rules too: name those in the same answer
                cls(**parsed)
            except InvalidStrategyParams as more:
                errors = {**more.errors, **errors}
            raise InvalidStrategyParams(errors)
        return cls(**parsed)

    def to_mapping(self) -> dict[str, Any]:
        """JSON-safe: Decimals as strings (no float rounding), counts as ints, tuples as lists."""
        return {f.name: _dump(getattr(self, f.name)) for f in fields(self)}


def _dump(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return [_dump(item) for item in value]
    return value


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise TypeError("must be a number")
    if isinstance(raw, float):
        raw = repr(raw)  # 0.1 -> Decimal("0.1"), not its binary expansion
    if not isinstance(raw, Decimal | int | str):
        raise TypeError("must be a number")
    try:
        value = Decimal(raw.strip()) if isinstance(raw, str) else Decimal(raw)
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if not value.is_finite():
        raise ValueError("must be a finite number")
    return value


def _integer(raw: Any) -> int:
    if isinstance(raw, bool):
        raise TypeError("must be a whole number")
    value = _decimal(raw)
    if value != value.to_integral_value():
        raise ValueError("must be a whole number")
    return int(value)


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in {"true", "false"}:
        return raw.strip().lower() == "true"
    raise TypeError("must be true or false")


def _parse_like(default: Any, raw: Any) -> Any:
    """Parse `raw` into the type of the field's default value."""
    if isinstance(default, bool):
        return _boolean(raw)
    if isinstance(default, int):
        return _integer(raw)
    if isinstance(default, Decimal):
        return _decimal(raw)
    if not isinstance(raw, list | tuple):
        raise TypeError("must be a list")
    if default and isinstance(default[0], tuple):  # liquidity tiers: [[min price, fraction], ...]
        tiers = []
        for item in raw:
            if not isinstance(item, list | tuple) or len(item) != 2:
                raise TypeError("must be a list of [lowest price, fraction of average volume] pairs")
            tiers.append((_decimal(item[0]), _decimal(item[1])))
        return tuple(tiers)
    return tuple(_integer(item) for item in raw)


# (field, lowest allowed, highest allowed); None leaves that side open. Bounds are inclusive.
_BOUNDS: tuple[tuple[str, Decimal | None, Decimal | None], ...] = (
    ("rsi_period", D(2), D(500)),
    ("avg_volume_days", D(1), D(1000)),
    ("recent_low_days", D(1), D(1000)),
    ("rsi_oversold", D(0), D(100)),
    ("rsi_extreme_oversold", D(0), D(100)),
    ("rsi_near_oversold", D(0), D(100)),
    ("volume_ratio_min", D(0), None),
    ("volume_ratio_min_oversold", D(0), None),
    ("volume_ratio_strong", D(0), None),
    ("min_avg_volume", D(0), None),
    ("chart_quality_min_score", D(0), D(100)),
    ("chart_quality_window_days", D(2), D(1000)),
    ("chart_quality_extreme_days", D(1), D(1000)),
    ("pb_max_for_loss_maker", D(0), None),
    ("min_combined_score", D(0), D(100)),
    ("strong_buy_min_combined_score", D(0), D(100)),
    ("excellent_min_combined_score", D(0), D(100)),
    ("backtest_full_return_pct", D("0.01"), None),
    ("backtest_full_excess_pct", D("0.01"), None),
    ("backtest_years", D(1), D(50)),
    ("buy_target_pct", D(0), D(1000)),
    ("strong_buy_target_pct", D(0), D(1000)),
    ("excellent_target_pct", D(0), D(1000)),
    ("buy_risk_reward", D(0), None),
    ("strong_buy_risk_reward", D(0), None),
    ("excellent_risk_reward", D(0), None),
    ("stop_below_recent_low_pct", D(0), D(99)),
    ("max_stop_pct", D(0), D(99)),
    ("user_capital", D(0), None),
    ("max_position_volume_ratio", D(0), D(1)),
    ("max_portfolio_size", D(0), D(10_000)),
    ("exit_ema_weight_ltp", D(0), D(1)),
    ("skip_exit_below_entry_ratio", D(0), D(10)),
    ("exit_on_rsi_above", D(0), D(100)),
    ("reentry_reset_above", D(0), D(100)),
    ("backtest_return_weight", D(0), D(1)),
    ("backtest_win_rate_weight", D(0), D(1)),
    ("backtest_buy_and_hold_weight", D(0), D(1)),
)


def _problems(params: StrategyParams) -> dict[str, str]:
    errors: dict[str, str] = {}
    for f in fields(params):
        value = getattr(params, f.name)
        if f.name.startswith("chart_quality_") and isinstance(value, Decimal):
            if not D(0) <= value <= D(100):
                errors[f.name] = "must be between 0 and 100"
    for name, low, high in _BOUNDS:
        value = D(getattr(params, name))
        if (low is not None and value < low) or (high is not None and value > high):
            if high is None:
                errors[name] = f"must be at least {low}"
            else:
                errors[name] = f"must be between {low} and {high}"
    if params.user_capital <= 0:
        errors["user_capital"] = "must be positive"

    periods = params.ema_periods
    if len(periods) != 4 or any(p < 1 for p in periods) or list(periods) != sorted(set(periods)):
        errors["ema_periods"] = "must be four increasing periods (exit EMA first, trend EMA last)"

    if "rsi_extreme_oversold" not in errors and params.rsi_extreme_oversold > params.rsi_oversold:
        errors["rsi_extreme_oversold"] = "must not be above rsi_oversold"
    if "rsi_near_oversold" not in errors and params.rsi_near_oversold < params.rsi_oversold:
        errors["rsi_near_oversold"] = "must not be below rsi_oversold"
    if params.volume_ratio_min_oversold > params.volume_ratio_min:
        errors["volume_ratio_min_oversold"] = "must not be above volume_ratio_min"
    if params.volume_ratio_strong < params.volume_ratio_min:
        errors["volume_ratio_strong"] = "must not be below volume_ratio_min"

    tiers = params.liquidity_tiers
    prices = [price for price, _ in tiers]
    if (
        not tiers
        or prices != sorted(set(prices), reverse=True)
        or prices[-1] != 0
        or any(not D(0) < fraction <= D(1) for _, fraction in tiers)
    ):
        errors["liquidity_tiers"] = (
            "must list (lowest price, fraction of average volume) from the highest price down to 0, "
            "each fraction above 0 and at most 1"
        )

    for warn, worst in (
        ("chart_quality_warn_gap_frequency", "chart_quality_max_gap_frequency"),
        ("chart_quality_warn_extreme_candle_frequency", "chart_quality_max_extreme_candle_frequency"),
        ("chart_quality_min_daily_range_pct", "chart_quality_low_range_pct"),
    ):
        if warn not in errors and getattr(params, warn) > getattr(params, worst):
            errors[warn] = f"must not be above {worst}"

    levels = params.reentry_levels
    if any(not 0 < level < 100 for level in levels) or list(levels) != sorted(set(levels), reverse=True):
        errors["reentry_levels"] = "must be decreasing RSI levels between 0 and 100"

    if params.excellent_min_combined_score < params.strong_buy_min_combined_score:
        errors["excellent_min_combined_score"] = "must not be below strong_buy_min_combined_score"

    weights = (
        params.backtest_return_weight + params.backtest_win_rate_weight + params.backtest_buy_and_hold_weight
    )
    if weights != 1:
        errors["backtest_return_weight"] = "the three backtest weights must add up to 1"
    return errors
