"""One stock's verdict on one close, everything the scanner page and the 16:05 buys need, and
the ranking of a scan's verdicts.

`scan_symbol` runs, on the bars up to the close being analysed:
1. the last bar's indicators (`indicators.snapshot`) and `chart_quality`;
2. `rules.entry_check` (with PE and PB when the caller knows them);
3. the strength score; the two-year backtest only when the entry check passed (the costly part,
   and a failed check cannot trade whatever it scores), a missing backtest counting as 0 in the
   combined score;
4. the verdict, whether it trades (`scoring.tradeable`), and for buy and strong_buy the planned
   order: quantity and capital (`rules.position_quantity`, `rules.position_capital`), target
   and stop of the verdict's tier (`rules.targets`) with the target rounded up and the stop
   down to the tick, so the target stays at least its % and R and the stop at most its level.
`rejected_rule` names why a stock does not trade: the failed entry rule, or `combined_score`
when it passed but scored under `min_combined_score`; "" when it trades.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from brokers.adapters.base import Candle as Bar
from brokers.precision import floor_to
from trading.equities.strategy.backtest import BacktestResult, backtest
from trading.equities.strategy.chart_quality import ChartQuality, chart_quality
from trading.equities.strategy.indicators import Snapshot, snapshot
from trading.equities.strategy.params import StrategyParams
from trading.equities.strategy.rules import (
    TargetTier,
    Verdict,
    ceil_to_tick,
    entry_check,
    position_capital,
    position_quantity,
    targets,
)
from trading.equities.strategy.scoring import (
    COMBINED_SCORE,
    backtest_score,
    combined_score,
    strength_score,
    target_tier,
    tradeable,
    verdict,
)

ZERO = Decimal(0)
DEFAULT_TICK = Decimal("0.05")  # NSE's price step for most equities


@dataclass(frozen=True)
class SymbolVerdict:
    symbol: str
    day: date  # the close analysed
    verdict: Verdict
    tradeable: bool  # buy it at the next open
    rejected_rule: str  # why it does not trade ("" when it does): an entry rule or COMBINED_SCORE
    detail: str  # the entry check's measurements, for the scanner page
    snapshot: Snapshot
    quality: ChartQuality
    strength: Decimal  # 0-25
    backtest: BacktestResult | None  # None: not run (the entry check failed)
    backtest_score: Decimal | None  # 0-100, None when not run
    combined: Decimal
    target_tier: TargetTier | None  # None unless the verdict is buy or strong_buy
    target: Decimal | None
    stop: Decimal | None
    quantity: int  # shares of the planned buy, 0 unless buy or strong_buy
    capital: Decimal  # the money the position may use, 0 unless buy or strong_buy


def floor_to_tick(value: Decimal, tick: Decimal) -> Decimal:
    """The largest multiple of `tick` that is <= `value` (a stop must not sit above its level)."""
    return floor_to(value, tick)


def scan_symbol(
    symbol: str,
    bars: Sequence[Bar],
    params: StrategyParams,
    *,
    pe: Decimal | None = None,
    pb: Decimal | None = None,
    tick: Decimal = DEFAULT_TICK,
) -> SymbolVerdict:
    """The verdict of `symbol` on its last bar's close (`bars` oldest first, at least one)."""
    snap = snapshot(bars, params)
    quality = chart_quality(bars, params)
    check = entry_check(snap, quality, params, pe=pe, pb=pb)
    strength = strength_score(snap, quality, params)
    result = backtest(bars, params) if check.passed else None
    tested = backtest_score(result, params) if result is not None else None
    combined = combined_score(strength, tested if tested is not None else ZERO)
    decided = verdict(check, combined, snap, params)
    trades = tradeable(decided, combined, params)

    tier: TargetTier | None = None
    target: Decimal | None = None
    stop: Decimal | None = None
    quantity, capital = 0, ZERO
    if decided in (Verdict.BUY, Verdict.STRONG_BUY) and snap.avg_volume is not None:
        tier = target_tier(decided, combined, params)
        raw_target, raw_stop = targets(snap.close, snap.recent_low, tier, params)
        target, stop = ceil_to_tick(raw_target, tick), floor_to_tick(raw_stop, tick)
        quantity = position_quantity(snap.close, snap.avg_volume, params)
        capital = position_capital(snap.close, snap.avg_volume, params)

    return SymbolVerdict(
        symbol=symbol,
        day=snap.day,
        verdict=decided,
        tradeable=trades,
        rejected_rule="" if trades else (check.rule or COMBINED_SCORE),
        detail=check.detail,
        snapshot=snap,
        quality=quality,
        strength=strength,
        backtest=result,
        backtest_score=tested,
        combined=combined,
        target_tier=tier,
        target=target,
        stop=stop,
        quantity=quantity,
        capital=capital,
    )


def rank(verdicts: Iterable[SymbolVerdict]) -> list[SymbolVerdict]:
    """Tradeable first, then by combined score (highest first), then by symbol: the order in
    which the 16:05 task buys until the portfolio is full."""
    return sorted(verdicts, key=lambda item: (not item.tradeable, -item.combined, item.symbol))
