"""Price drivers and the board that holds every market's current price and candles.

Drivers: a seeded random walk (the default), replay of OHLCV bars (a CSV file or bokeh's daily
stocks, either at their real prices or scaled onto a market's own price level), and direct sets
(`PriceBoard.set`), after which every driver carries on from the price that was set. All in
Decimal: the walk draws integers and builds its normal deviates from them (Irwin-Hall), so a seed
gives the same prices on every machine."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from .candles import MINUTE_MS, Candle, CandleBook
from .clock import Clock
from .markets import MarketSpec, floor_to, round_to
from .replay_data import STOCK_TICKERS, Bar, ReplayDataError, load_csv, load_stocks

_MEAN_REVERSION = Decimal("0.0005")  # per step, toward the anchor: keeps long runs near the start level
_UNIT = 1_000_000
_MINUTE_STEPS = Decimal(8)  # ~sqrt(60): a minute of one-second steps, for synthetic history


class PriceDriver(Protocol):
    def initial_price(self) -> Decimal: ...

    def step(self, current: Decimal) -> Decimal:
        """The next price after `current`."""
        ...

    def reanchor(self, old: Decimal, new: Decimal) -> None:
        """The price was set by hand from `old` to `new`: continue from there."""
        ...

    def history(self, minutes: int) -> list[tuple[Decimal, Decimal, Decimal, Decimal, Decimal]]:
        """`minutes` one-minute bars (open, high, low, close, volume) that end at the initial
        price, oldest first."""
        ...

    def describe(self) -> dict[str, str]: ...


def _clamp(spec: MarketSpec, price: Decimal) -> Decimal:
    return min(max(round_to(price, spec.tick_size), spec.tick_size), spec.max_price)


class RandomWalk:
    def __init__(self, spec: MarketSpec, seed: int, *, scale: Decimal = Decimal(1)) -> None:
        self.spec = spec
        self.seed = seed
        self.vol = spec.volatility * scale
        self.anchor = spec.start_price
        self._rng = random.Random(f"{seed}:{spec.symbol}")  # noqa: S311  simulated prices, reproducible by seed

    @staticmethod
    def normal(rng: random.Random) -> Decimal:
        """Approximately N(0, 1): the sum of 12 uniforms minus 6, from integers only."""
        total = sum(rng.randrange(_UNIT) for _ in range(12))
        return Decimal(total - 6 * _UNIT) / _UNIT

    def initial_price(self) -> Decimal:
        return self.spec.start_price

    def step(self, current: Decimal) -> Decimal:
        pull = _MEAN_REVERSION * (self.anchor / current - 1)
        return _clamp(self.spec, current * (1 + self.vol * self.normal(self._rng) + pull))

    def reanchor(self, old: Decimal, new: Decimal) -> None:
        self.anchor = new

    def history(self, minutes: int) -> list[tuple[Decimal, Decimal, Decimal, Decimal, Decimal]]:
        # Walk backwards from the start price with its own stream, so the live walk does not
        # depend on how much history was asked for.
        rng = random.Random(f"{self.seed}:{self.spec.symbol}:history")  # noqa: S311  as above
        vol = self.vol
        bars = []
        close = self.spec.start_price
        for _ in range(minutes):
            open_ = _clamp(self.spec, close / (1 + vol * _MINUTE_STEPS * self.normal(rng)))
            high = _clamp(self.spec, max(open_, close) * (1 + vol * 2 * abs(self.normal(rng))))
            low = _clamp(self.spec, min(open_, close) * (1 - vol * 2 * abs(self.normal(rng))))
            notional = Decimal(20_000) * (1 + abs(self.normal(rng)))
            volume = floor_to(notional / close, self.spec.step_size)
            bars.append((open_, high, low, close, volume))
            close = open_
        bars.reverse()
        return bars

    def describe(self) -> dict[str, str]:
        return {"driver": "walk", "seed": str(self.seed), "anchor": str(self.anchor)}


class Replay:
    """Walks through bars one price at a time: open, the nearer extreme, the other one, close
    (`steps_per_bar` = 4), so resting orders see the bar's real range. At the end of the series it
    starts over, scaled to continue from where it stopped."""

    def __init__(
        self,
        spec: MarketSpec,
        bars: Sequence[Bar],
        *,
        source: str,
        start_index: int,
        scale: Decimal = Decimal(1),
    ) -> None:
        if len(bars) < 2:
            raise ReplayDataError(f"{source}: a replay needs at least 2 bars")
        self.spec = spec
        self.bars = bars
        self.source = source
        self.start_index = min(max(start_index, 0), len(bars) - 1)
        self.index = self.start_index
        self.phase = 0
        self.scale = scale
        self.wraps = 0

    def _path(self, bar: Bar) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        if bar.close >= bar.open:
            return (bar.open, bar.low, bar.high, bar.close)
        return (bar.open, bar.high, bar.low, bar.close)

    def initial_price(self) -> Decimal:
        return _clamp(self.spec, self.bars[self.index].open * self.scale)

    def step(self, current: Decimal) -> Decimal:
        self.phase += 1
        if self.phase == 4:
            self.phase = 0
            self.index += 1
            if self.index == len(self.bars):
                self.scale = self.scale * self.bars[-1].close / self.bars[0].open
                self.index = 0
                self.wraps += 1
        return _clamp(self.spec, self._path(self.bars[self.index])[self.phase] * self.scale)

    def reanchor(self, old: Decimal, new: Decimal) -> None:
        if old > 0:
            self.scale = self.scale * new / old

    def history(self, minutes: int) -> list[tuple[Decimal, Decimal, Decimal, Decimal, Decimal]]:
        past = self.bars[max(0, self.start_index - minutes) : self.start_index]
        return [
            (
                _clamp(self.spec, bar.open * self.scale),
                _clamp(self.spec, bar.high * self.scale),
                _clamp(self.spec, bar.low * self.scale),
                _clamp(self.spec, bar.close * self.scale),
                floor_to(bar.volume, self.spec.step_size),
            )
            for bar in past
        ]

    def describe(self) -> dict[str, str]:
        return {
            "driver": "replay",
            "source": self.source,
            "bar": self.bars[self.index].label,
            "index": str(self.index),
            "scale": str(self.scale),
            "wraps": str(self.wraps),
        }


def parse_price_source(text: str) -> tuple[str, str]:
    """`walk`, `stocks` or `csv:PATH` -> (kind, path)."""
    kind, _, path = text.strip().partition(":")
    kind = kind.lower()
    if kind in ("walk", "stocks") and not path:
        return kind, ""
    if kind == "csv" and path:
        return kind, path
    raise ValueError(f"unknown price source {text!r}: use walk, stocks or csv:PATH")


def build_drivers(
    markets: Mapping[str, MarketSpec],
    *,
    source: str,
    seed: int,
    history: int,
    volatility: Decimal = Decimal(1),
) -> dict[str, PriceDriver]:
    """Random walks everywhere, then replays where the source has data: a series keyed by a
    market's symbol (or base, for stocks) replays at real prices; a series without a symbol
    (a plain CSV) or the stocks left over are replayed scaled onto the remaining markets."""
    kind, path = parse_price_source(source)
    drivers: dict[str, PriceDriver] = {
        s: RandomWalk(spec, seed, scale=volatility) for s, spec in markets.items()
    }
    if kind == "walk":
        return drivers
    series = load_stocks() if kind == "stocks" else load_csv(path)
    label = "bokeh-sampledata stocks" if kind == "stocks" else path
    real: set[str] = set()
    for key, bars in series.items():
        symbol = key if key in markets else f"{key}USDT" if f"{key}USDT" in markets else ""
        if symbol:
            start = min(history, len(bars) // 2)
            drivers[symbol] = Replay(markets[symbol], bars, source=f"{label}:{key}", start_index=start)
            real.add(symbol)
        elif key and kind == "csv":
            raise ReplayDataError(f"{path}: no market {key!r} (markets: {', '.join(markets)})")
    pool = [key for key in (STOCK_TICKERS if kind == "stocks" else ("",)) if key in series]
    if kind == "csv" and "" not in series:
        return drivers  # every series named its market: the rest keep walking
    for n, symbol in enumerate(s for s in markets if s not in real):
        key = pool[n % len(pool)]
        bars = series[key]
        # Markets sharing one series start at different bars so they do not move in lockstep.
        offset = min(min(history, len(bars) // 2) + 97 * (n // len(pool)), len(bars) - 2)
        spec = markets[symbol]
        scale = spec.start_price / bars[offset].open
        drivers[symbol] = Replay(
            spec, bars, source=f"{label}:{key or 'csv'}", start_index=offset, scale=scale
        )
    return drivers


class PriceBoard:
    """Current prices and candles of every market. Not thread-safe by itself: the engine's
    lock guards it."""

    def __init__(
        self,
        markets: Mapping[str, MarketSpec],
        drivers: Mapping[str, PriceDriver],
        clock: Clock,
        *,
        history: int = 1000,
        capacity: int = 4320,
    ) -> None:
        self.markets = markets
        self.drivers = dict(drivers)
        self.clock = clock
        self.steps = 0
        self.prices: dict[str, Decimal] = {}
        self.books: dict[str, CandleBook] = {}
        now_minute = clock.now_ms() // MINUTE_MS * MINUTE_MS
        for symbol, driver in self.drivers.items():
            self.prices[symbol] = driver.initial_price()
            book = CandleBook(capacity)
            past = driver.history(min(history, capacity - 1))
            first = now_minute - len(past) * MINUTE_MS
            book.load(
                Candle(first + i * MINUTE_MS, o, h, low, c, v, v * c, 1 if v else 0)
                for i, (o, h, low, c, v) in enumerate(past)
            )
            book.record(clock.now_ms(), self.prices[symbol])
            self.books[symbol] = book

    def price(self, symbol: str) -> Decimal:
        return self.prices[symbol]

    def set(self, symbol: str, price: Decimal) -> None:
        self.drivers[symbol].reanchor(self.prices[symbol], price)
        self.prices[symbol] = price
        self.books[symbol].record(self.clock.now_ms(), price)

    def step(self) -> None:
        now = self.clock.now_ms()
        self.steps += 1
        for symbol, driver in self.drivers.items():
            self.prices[symbol] = driver.step(self.prices[symbol])
            self.books[symbol].record(now, self.prices[symbol])

    def record_trade(self, symbol: str, price: Decimal, quantity: Decimal) -> None:
        # Volume only: a resting order fills at its own limit, which is not the market's price.
        current = self.prices[symbol]
        self.books[symbol].record(
            self.clock.now_ms(), current, volume=quantity, quote_volume=price * quantity
        )
