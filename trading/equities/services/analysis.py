"""The 16:00 analysis: a trader's universe scanned on the last close, each symbol's verdict shared
by every trader with the same rules, and the trader's recommendations for the 16:05 buys.

A symbol's verdict (indicators, chart quality, entry rules, scores, the two-year backtest) is
computed once per (candle source, symbol, close, rules) and stored as a `SymbolAnalysis`: with
1,000 traders on the default rules, each close costs one computation per symbol. Workers that
analyse at the same moment split the work: a symbol another worker is computing is left for
last and then read, not computed twice. Sizing (capital, the share of volume) is the trader's
own and applied here on the shared verdict.

Candles come from the shared market data store (brokers/marketdata). A series that is not yet
tracked is tracked; one not refreshed since the close is refreshed (once for everyone, under a
lock). Network errors are retried three times, 30 s x attempt apart, for the failed symbols only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from brokers.adapters.base import Candle as Bar
from brokers.errors import BrokerError, ExchangeUnavailable, RateLimited
from brokers.marketdata.models import CandleInterval, TrackedSeries
from brokers.marketdata.selectors import candles_for
from brokers.nse_calendar import IST, nse_calendar
from trading.equities.models import (
    AnalysisRun,
    AnalysisStatus,
    EquitiesStrategy,
    Recommendation,
    RecommendationStatus,
    SymbolAnalysis,
)
from trading.equities.services.config import candle_source, candle_symbol, strategy_params
from trading.equities.services.late_data import DAILY_BARS, market_data_late
from trading.equities.services.ml_filter import ml_filter_apply
from trading.equities.strategy.params import StrategyParams
from trading.equities.strategy.rules import position_capital, position_quantity
from trading.equities.strategy.scan import SymbolVerdict, scan_symbol

logger = logging.getLogger("tradefleet.trading.equities")

# Sizing is applied per trader on the shared verdict: not part of the rules' fingerprint.
SIZING_FIELDS = ("user_capital", "max_portfolio_size", "max_position_volume_ratio")
NETWORK_ATTEMPTS = 3
BACKOFF_SECONDS = 30
LOCK_SECONDS = 300
WAIT_FOR_OTHERS_SECONDS = 120
# Days of history read before the backtest window: EMA200 and RSI need to settle.
WARMUP_DAYS = 400


def rules_key(params: StrategyParams) -> str:
    rules = {name: value for name, value in params.to_mapping().items() if name not in SIZING_FIELDS}
    return hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest()[:16]


def close_to_analyse(now: datetime) -> date:
    """The last NSE session that has closed at `now` (today's after 15:30 IST on a trading day)."""
    return nse_calendar().last_close(now).astimezone(IST).date()


# --- candles -------------------------------------------------------------------------------------


def _close_moment(day: date) -> datetime:
    session = nse_calendar().session(day)
    if session is not None:
        return session.close
    return datetime.combine(day, datetime.max.time(), tzinfo=IST)


def _series_for(source: str, symbols: Sequence[str]) -> dict[str, TrackedSeries]:
    from brokers.marketdata.services import default_calendar

    wanted = {candle_symbol(source, symbol): symbol for symbol in symbols}
    found = {
        s.symbol: s
        for s in TrackedSeries.objects.filter(source=source, symbol__in=wanted, interval=CandleInterval.DAY_1)
    }
    for theirs in wanted:
        if theirs not in found:
            try:
                with transaction.atomic():
                    found[theirs] = TrackedSeries.objects.create(
                        source=source,
                        symbol=theirs,
                        interval=CandleInterval.DAY_1,
                        calendar=default_calendar(source, theirs),
                    )
            except IntegrityError:  # another worker tracked it meanwhile
                found[theirs] = TrackedSeries.objects.get(
                    source=source, symbol=theirs, interval=CandleInterval.DAY_1
                )
    return {wanted[theirs]: series for theirs, series in found.items()}


def candles_ensure(
    *,
    source: str,
    symbols: Sequence[str],
    day: date,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, str]:
    """Refresh each symbol's daily series unless it was refreshed after `day`'s close. Returns
    {symbol: error} for those still failing after the retries (the others are fresh)."""
    from brokers.marketdata.providers import CSV
    from brokers.marketdata.services import series_refresh

    series = _series_for(source, symbols)
    closed = _close_moment(day)
    stale = [
        symbol
        for symbol, row in series.items()
        if source != CSV and (row.last_refreshed is None or row.last_refreshed < closed)
    ]
    errors: dict[str, str] = {}
    for attempt in range(1, NETWORK_ATTEMPTS + 1):
        errors = {}
        retry = []
        for symbol in stale:
            try:
                _refresh_once(series[symbol], closed, series_refresh)
            except (ExchangeUnavailable, RateLimited) as exc:
                retry.append(symbol)
                errors[symbol] = exc.message or type(exc).__name__
            except BrokerError as exc:
                errors[symbol] = exc.message or type(exc).__name__
        if not retry or attempt == NETWORK_ATTEMPTS:
            break
        logger.warning("candles of %d symbols failed (attempt %d); retrying", len(retry), attempt)
        sleep(BACKOFF_SECONDS * attempt)
        stale = retry
    return errors


def _refresh_once(series: TrackedSeries, closed: datetime, refresh: Callable[..., Any]) -> None:
    """One refresh for all traders: whoever holds the lock refreshes, the others wait for it."""
    key = f"nse-candles:{series.pk}:{closed.date().isoformat()}"
    deadline = time.monotonic() + WAIT_FOR_OTHERS_SECONDS
    while not cache.add(key, 1, LOCK_SECONDS):
        series.refresh_from_db(fields=["last_refreshed"])
        if series.last_refreshed and series.last_refreshed >= closed:
            return
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    try:
        series.refresh_from_db(fields=["last_refreshed"])
        if series.last_refreshed and series.last_refreshed >= closed:
            return
        refresh(series=series)
    finally:
        cache.delete(key)


def bars_for(*, source: str, symbol: str, day: date, params: StrategyParams) -> list[Bar]:
    """The daily bars up to `day`'s close: the backtest window and its warm-up."""
    start = day - timedelta(days=365 * params.backtest_years + WARMUP_DAYS)
    rows = candles_for(
        source=source,
        symbol=candle_symbol(source, symbol),
        interval=CandleInterval.DAY_1,
        start=datetime.combine(start, datetime.min.time(), tzinfo=IST),
        end=datetime.combine(day, datetime.max.time(), tzinfo=IST),
    ).values_list("opened_at", "open", "high", "low", "close", "volume")
    return [Bar(*row) for row in rows]


# --- the shared verdicts -------------------------------------------------------------------------


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def _row(source: str, key: str, found: SymbolVerdict) -> SymbolAnalysis:
    snap = found.snapshot
    result = found.backtest
    return SymbolAnalysis(
        source=source,
        symbol=found.symbol,
        day=found.day,
        rules_key=key,
        verdict=str(found.verdict),
        tradeable=found.tradeable,
        rejected_rule=found.rejected_rule,
        detail=found.detail[:2000],
        close=snap.close,
        avg_volume=snap.avg_volume,
        strength=found.strength,
        backtest_score=found.backtest_score,
        combined=found.combined,
        chart_quality=found.quality.score,
        target_tier=str(found.target_tier or ""),
        target=found.target,
        stop=found.stop,
        indicators=_json(
            {
                "rsi": snap.rsi,
                "ema9": snap.ema9,
                "ema20": snap.ema20,
                "ema50": snap.ema50,
                "ema200": snap.ema200,
                "volume": snap.volume,
                "avg_volume": snap.avg_volume,
                "volume_ratio": snap.volume_ratio,
                "above_ema200": snap.above_ema200,
                "recent_low": snap.recent_low,
            }
        ),
        quality=_json(
            {
                "score": found.quality.score,
                "penalties": [list(p) for p in found.quality.penalties],
                "gap_frequency_pct": found.quality.gap_frequency_pct,
                "avg_daily_range_pct": found.quality.avg_daily_range_pct,
                "price_range_pct": found.quality.price_range_pct,
                "extreme_candle_frequency_pct": found.quality.extreme_candle_frequency_pct,
            }
        ),
        backtest=_json(
            {}
            if result is None
            else {
                "total_return_pct": result.total_return_pct,
                "win_rate_pct": result.win_rate_pct,
                "buy_and_hold_pct": result.buy_and_hold_pct,
                "first_day": result.first_day,
                "last_day": result.last_day,
                "trades": [
                    {
                        "entry_day": t.entry_day,
                        "entry_price": t.entry_price,
                        "exit_day": t.exit_day,
                        "exit_price": t.exit_price,
                        "reason": t.reason,
                    }
                    for t in result.trades
                ],
            }
        ),
    )


def _compute(source: str, symbol: str, day: date, params: StrategyParams, key: str) -> SymbolAnalysis | str:
    bars = bars_for(source=source, symbol=symbol, day=day, params=params)
    if not bars:
        return f"no daily candles from {source}"
    found = scan_symbol(symbol, bars, params)
    if found.day != day:
        return f"no candle for {day.isoformat()} (the last is {found.day.isoformat()})"
    row = _row(source, key, found)
    SymbolAnalysis.objects.bulk_create([row], ignore_conflicts=True)
    return SymbolAnalysis.objects.get(source=source, symbol=symbol, day=day, rules_key=key)


def analyses_get_or_compute(
    *, source: str, symbols: Sequence[str], day: date, params: StrategyParams
) -> tuple[list[SymbolAnalysis], dict[str, str]]:
    """Each symbol's shared verdict on `day`, computed where nobody has yet. Returns the verdicts
    and {symbol: why there is none}."""
    key = rules_key(params)
    have = {
        a.symbol: a
        for a in SymbolAnalysis.objects.filter(source=source, symbol__in=symbols, day=day, rules_key=key)
    }
    errors: dict[str, str] = {}
    deferred: list[str] = []
    for symbol in (s for s in symbols if s not in have):
        lock = f"nse-analysis:{source}:{symbol}:{day.isoformat()}:{key}"
        if not cache.add(lock, 1, LOCK_SECONDS):
            deferred.append(symbol)  # another worker is on it: read it at the end
            continue
        try:
            # Another worker may have stored it since this run first looked (and let go of the lock).
            stored = SymbolAnalysis.objects.filter(source=source, symbol=symbol, day=day, rules_key=key)
            done = stored.first() or _compute(source, symbol, day, params, key)
        finally:
            cache.delete(lock)
        if isinstance(done, str):
            errors[symbol] = done
        else:
            have[symbol] = done
    deadline = time.monotonic() + WAIT_FOR_OTHERS_SECONDS
    while deferred:
        found = {
            a.symbol: a
            for a in SymbolAnalysis.objects.filter(source=source, symbol__in=deferred, day=day, rules_key=key)
        }
        have.update(found)
        deferred = [s for s in deferred if s not in found]
        if not deferred:
            break
        if time.monotonic() > deadline:  # the other worker died: compute them here
            for symbol in deferred:
                done = _compute(source, symbol, day, params, key)
                if isinstance(done, str):
                    errors[symbol] = done
                else:
                    have[symbol] = done
            break
        time.sleep(0.1)
    return [have[s] for s in symbols if s in have], errors


# --- a trader's run ------------------------------------------------------------------------------


def _ranked(analyses: Sequence[SymbolAnalysis]) -> list[SymbolAnalysis]:
    return sorted(analyses, key=lambda a: (not a.tradeable, -a.combined, a.symbol))


def analysis_run(
    *,
    user_id: Any,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> AnalysisRun:
    """Scan the trader's universe on the last close and plan their buys (the 16:00 task)."""
    now = now or timezone.now()
    strategy = EquitiesStrategy.objects.select_related("account").get(user_id=user_id)
    params = strategy_params(strategy)
    source = candle_source(strategy)
    symbols = list(strategy.universe or [])
    day = close_to_analyse(now)
    run, _ = AnalysisRun.objects.update_or_create(
        user_id=user_id,
        day=day,
        defaults={
            "status": AnalysisStatus.RUNNING,
            "source": source,
            "rules_key": rules_key(params),
            "params": params.to_mapping(),
            "symbols": symbols,
            "errors": {},
            "error": "",
            "tradeable_count": 0,
            "started_at": now,
            "finished_at": None,
        },
    )
    try:
        fetch_errors = candles_ensure(source=source, symbols=symbols, day=day, sleep=sleep)
        analyses, errors = analyses_get_or_compute(source=source, symbols=symbols, day=day, params=params)
    except Exception as exc:
        AnalysisRun.objects.filter(pk=run.pk).update(
            status=AnalysisStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    for symbol, why in fetch_errors.items():
        if symbol in errors:
            errors[symbol] = f"{errors[symbol]} (refreshing the candles failed: {why})"
    with transaction.atomic():
        run.analyses.set(analyses)
        planned = _plan(run, _ranked(analyses), params)
        run.errors = errors
        run.tradeable_count = planned
        run.status = AnalysisStatus.SUCCEEDED
        run.finished_at = timezone.now()
        run.save(update_fields=["errors", "tradeable_count", "status", "finished_at", "ml"])
    # Every error here is a stock without the close's candle (missing, or its refresh failed).
    market_data_late(
        user_id=user_id,
        cause=DAILY_BARS,
        problems=errors,
        now=now,
        close=day.isoformat(),
        needed_by="the analysis",
        link="/strategy/scanner",
    )
    return run


def _plan(run: AnalysisRun, ranked: Sequence[SymbolAnalysis], params: StrategyParams) -> int:
    """The run's recommendations: every tradeable verdict, sized for this trader, in rank order.
    A re-run of the same close replaces the planned ones; those already acted on stay."""
    Recommendation.objects.filter(
        user_id=run.user_id, day=run.day, status=RecommendationStatus.PLANNED
    ).delete()
    kept = set(
        Recommendation.objects.filter(user_id=run.user_id, day=run.day).values_list("symbol", flat=True)
    )
    rows = []
    for rank, analysis in enumerate((a for a in ranked if a.tradeable), start=1):
        if analysis.symbol in kept or analysis.avg_volume is None:
            continue
        quantity = position_quantity(analysis.close, analysis.avg_volume, params)
        capital = position_capital(analysis.close, analysis.avg_volume, params)
        rows.append(
            Recommendation(
                user_id=run.user_id,
                run=run,
                analysis=analysis,
                day=run.day,
                symbol=analysis.symbol,
                rank=rank,
                verdict=analysis.verdict,
                combined=analysis.combined,
                close=analysis.close,
                quantity=quantity,
                capital=capital,
                target=analysis.target,
                stop=analysis.stop,
                status=RecommendationStatus.PLANNED if quantity > 0 else RecommendationStatus.SKIPPED,
                reason="" if quantity > 0 else "capital buys less than one share",
            )
        )
    run.ml = ml_filter_apply(
        user_id=run.user_id,
        day=run.day,
        params=params,
        recommendations=rows,
        bars_of=lambda symbol: bars_for(source=run.source, symbol=symbol, day=run.day, params=params),
    )
    Recommendation.objects.bulk_create(rows)
    return len(rows)
