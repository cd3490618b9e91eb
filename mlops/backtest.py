"""The strategy's trades replayed with and without the ML filter: trades, win rate, return, max
drawdown and the equity curve, the figures a trader weighs the filter by. Pure.

The trades are the dataset's samples (each candidate close bought at the next open and sold by
the strategy's exit), out of sample: `walk_forward_folds` cuts the days into blocks, and each
block's samples are judged by a model trained only on earlier blocks (whose trades had closed
before the block starts). Every run replays the same trades in day order on a portfolio of
`slots` equal positions (the strategy's `max_portfolio_size`): a position is sized at the
realised equity / slots when it opens and frees its slot on its exit day; a trade finding every
slot taken is not taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mlops.dataset import Sample
from mlops.filtering import FILTER, MODES, decide

START_EQUITY = 100.0


@dataclass(frozen=True)
class Judged:
    """A trade with the model's say on it (label, confidence)."""

    sample: Sample
    label: str
    confidence: float


@dataclass
class Run:
    trades: int = 0
    wins: int = 0
    return_pct: float = 0.0
    max_drawdown_pct: float = 0.0
    equity: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "trades": self.trades,
            "wins": self.wins,
            "win_rate": round(self.wins / self.trades, 4) if self.trades else None,
            "return_pct": round(self.return_pct, 4),
            "max_drawdown_pct": round(self.max_drawdown_pct, 4),
            "equity": self.equity,
        }


def walk_forward_folds(samples: Sequence[Sample], folds: int) -> list[tuple[list[Sample], list[Sample]]]:
    """(train, test) per fold: the days cut into `folds + 1` blocks of about equal samples; fold k
    tests block k (k >= 1) on the samples of the earlier blocks whose trade exited before block k's
    first day (no label reads a test day)."""
    if folds < 1:
        raise ValueError("folds must be at least 1")
    ordered = sorted(samples, key=lambda s: (s.day, s.symbol))
    days = sorted({s.day for s in ordered})
    if len(days) < folds + 1:
        return []
    per_day: dict[date, int] = {}
    for s in ordered:
        per_day[s.day] = per_day.get(s.day, 0) + 1
    starts: list[date] = []
    seen, block = 0, 1
    for day in days:
        if block <= folds and seen >= block * len(ordered) / (folds + 1):
            starts.append(day)
            block += 1
        seen += per_day[day]
    out = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else None
        train = [s for s in ordered if s.day < start and (s.exit_day is None or s.exit_day < start)]
        test = [s for s in ordered if s.day >= start and (end is None or s.day < end)]
        if test:
            out.append((train, test))
    return out


def replay(trades: Sequence[Sample], *, slots: int) -> Run:
    """The trades on a portfolio of `slots` equal positions, in day order (see the module doc)."""
    if slots < 1:
        raise ValueError("slots must be at least 1")
    run = Run()
    realised = peak = START_EQUITY
    open_trades: list[tuple[date, float, float]] = []  # (exit day, size, return %)
    curve: list[tuple[date, float]] = []

    def close_until(day: date | None) -> None:
        nonlocal realised, peak
        still = []
        for exit_day, size, return_pct in sorted(open_trades, key=lambda t: t[0]):
            if day is None or exit_day <= day:
                realised += size * return_pct / 100
                curve.append((exit_day, realised))
                peak = max(peak, realised)
                run.max_drawdown_pct = max(run.max_drawdown_pct, (peak - realised) / peak * 100)
            else:
                still.append((exit_day, size, return_pct))
        open_trades[:] = still

    for sample in sorted(trades, key=lambda s: (s.day, s.symbol)):
        close_until(sample.day)
        if not curve:
            curve.append((sample.day, realised))
        if len(open_trades) >= slots or sample.exit_day is None:
            continue
        open_trades.append((sample.exit_day, realised / slots, sample.forward_return_pct))
        run.trades += 1
        run.wins += sample.forward_return_pct > 0
    close_until(None)
    run.return_pct = realised - START_EQUITY
    run.equity = [{"day": day.isoformat(), "equity": round(value, 4)} for day, value in curve]
    return run


def with_and_without(judged: Sequence[Judged], *, slots: int, min_confidence: float) -> dict[str, Any]:
    """The runs of the rules alone and of each way of combining them with the model."""
    runs = {"rules": replay([j.sample for j in judged], slots=slots).as_dict()}
    for mode in MODES:
        kept = [
            j.sample
            for j in judged
            if decide(j.label, j.confidence, mode=mode, min_confidence=min_confidence).keep
        ]
        runs[mode] = replay(kept, slots=slots).as_dict()
    days = [j.sample.day for j in judged]
    return {
        "from": min(days).isoformat() if days else None,
        "to": max(days).isoformat() if days else None,
        "min_confidence": min_confidence,
        "slots": slots,
        "runs": runs,
    }


__all__ = ["FILTER", "Judged", "Run", "replay", "walk_forward_folds", "with_and_without"]
