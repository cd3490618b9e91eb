"""Price drivers: the seeded walk, OHLCV replay (bokeh's real stocks, CSV), direct sets, candles."""

from __future__ import annotations

import gzip
from decimal import Decimal
from pathlib import Path

import bokeh_sampledata
import pytest

from brokers.simulator import ManualClock, SimulatorControl, market_table, simulator_exchange
from brokers.simulator.candles import MINUTE_MS, CandleBook
from brokers.simulator.prices import PriceBoard, RandomWalk, build_drivers, parse_price_source

from .conftest import TOKEN, d


def _aapl_rows() -> list[list[str]]:
    path = Path(bokeh_sampledata.package_path("stocks.csv.gz"))
    with gzip.open(path, "rt") as handle:
        return [line.strip().split(",") for line in handle if line.startswith("AAPL,")]


def test_the_seeded_walk_is_reproducible_over_http(start_simulator):
    def prices_after_ticks(seed: int) -> dict[str, float]:
        server = start_simulator(seed=seed)
        SimulatorControl(server.base_url, TOKEN).tick(25)
        exchange = simulator_exchange(server.base_url, enable_rate_limit=False)
        return {symbol: t["last"] for symbol, t in exchange.fetch_tickers().items()}

    first = prices_after_ticks(42)
    assert first == prices_after_ticks(42)
    assert first != prices_after_ticks(43)
    assert first["BTC/USDT"] != 65000  # it moved


def test_the_walk_stays_on_the_tick_and_near_its_level():
    spec = market_table()["DOGEUSDT"]
    walk, price = RandomWalk(spec, seed=1), spec.start_price
    for _ in range(5000):
        price = walk.step(price)
        assert price % spec.tick_size == 0 and price > 0
    assert spec.start_price / 2 < price < spec.start_price * 2


def test_volatility_scales_the_walks_steps():
    spec = market_table()["BTCUSDT"]
    calm, wild = RandomWalk(spec, seed=5), RandomWalk(spec, seed=5, scale=Decimal(10))
    calm_move = abs(calm.step(spec.start_price) - spec.start_price)
    wild_move = abs(wild.step(spec.start_price) - spec.start_price)
    assert abs(wild_move - 10 * calm_move) <= Decimal("0.1")  # same draw, ten times the step


def test_stock_replay_trades_at_real_aapl_prices(start_simulator):
    rows = _aapl_rows()  # ticker, date, open, high, low, close, volume, adj close
    server = start_simulator(price_source="stocks", history_minutes=100)
    exchange = simulator_exchange(server.base_url, enable_rate_limit=False)
    start = 100  # the replay starts after the bars used as history

    assert d(exchange.fetch_ticker("AAPL/USDT")["last"]) == Decimal(rows[start][2])  # the bar's open
    candles = exchange.fetch_ohlcv("AAPL/USDT", "1m", limit=4)
    assert [d(c[4]) for c in candles[:3]] == [Decimal(r[5]) for r in rows[start - 3 : start]]  # real closes

    SimulatorControl(server.base_url, TOKEN).tick(4)  # open, extreme, extreme, close: the next bar opens
    assert d(exchange.fetch_ticker("AAPL/USDT")["last"]) == Decimal(rows[start + 1][2])
    state = SimulatorControl(server.base_url, TOKEN).state()
    aapl = next(m for m in state["markets"] if m["symbol"] == "AAPLUSDT")
    assert aapl["driver"]["bar"] == rows[start + 1][1]  # the replayed date
    # Crypto markets replay a stock scaled onto their own level.
    assert d(exchange.fetch_ticker("BTC/USDT")["last"]) != Decimal(65000)


def test_csv_replay_by_symbol_and_scaled(tmp_path: Path):
    named = tmp_path / "named.csv"
    named.write_text(
        "Date,Symbol,Open,High,Low,Close,Volume\n"
        "2024-01-01,BTCUSDT,40000,41000,39000,40500,10\n"
        "2024-01-02,BTCUSDT,40500,42000,40000,41800,12\n"
        "2024-01-03,BTCUSDT,41800,41900,40100,40200,9\n"
    )
    markets = market_table()
    drivers = build_drivers(markets, source=f"csv:{named}", seed=0, history=1)
    board = PriceBoard(markets, drivers, ManualClock(), history=1)
    assert board.price("BTCUSDT") == Decimal(40500)
    board.step()
    board.step()
    assert board.price("BTCUSDT") == Decimal(42000)  # a rising bar visits its low, then its high
    assert board.drivers["ETHUSDT"].describe()["driver"] == "walk"

    plain = tmp_path / "plain.csv"
    plain.write_text("open,high,low,close\n100,110,90,105\n105,120,100,115\n115,116,80,84\n")
    drivers = build_drivers(markets, source=f"csv:{plain}", seed=0, history=1)
    board = PriceBoard(markets, drivers, ManualClock(), history=1)
    assert board.price("ETHUSDT") == Decimal("3400.00")  # scaled so that it starts at its own level
    board.step()
    board.step()  # open 105, low 100, high 120: the bar's high, scaled
    assert board.price("ETHUSDT") == Decimal("3885.71")  # 3400 * 120 / 105 on the tick


def test_bad_price_sources_are_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="unknown price source"):
        parse_price_source("random")
    bad = tmp_path / "bad.csv"
    bad.write_text("symbol,open,high,low,close\nNOPEUSDT,1,1,1,1\nNOPEUSDT,1,1,1,1\n")
    with pytest.raises(ValueError, match="no market"):
        build_drivers(market_table(), source=f"csv:{bad}", seed=0, history=1)


def test_a_set_price_is_where_the_walk_carries_on(control: SimulatorControl, exchange):
    assert control.set_price("BTC-USDT", "30000.004")["price"] == "30000.00"  # rounded to the tick

    control.tick(3)

    assert abs(d(exchange.fetch_ticker("BTC/USDT")["last"]) - 30000) < 300


def test_candles_fill_quiet_minutes_and_align_intervals():
    book = CandleBook()
    start = 1_700_000_000_000 // (60 * MINUTE_MS) * (60 * MINUTE_MS)  # on the hour
    book.record(start + 5_000, Decimal(100))
    book.record(start + 20_000, Decimal(104), volume=Decimal(2))
    book.record(start + 3 * MINUTE_MS, Decimal(99))

    minutes = book.klines("1m")
    assert [c.open_ms - start for c in minutes] == [0, MINUTE_MS, 2 * MINUTE_MS, 3 * MINUTE_MS]
    assert (minutes[0].open, minutes[0].high, minutes[0].close, minutes[0].volume) == (100, 104, 104, 2)
    assert minutes[1].open == minutes[1].close == 104  # a flat candle for the quiet minute
    (hour,) = book.klines("1h")
    assert (hour.open_ms, hour.open, hour.high, hour.low, hour.close) == (start, 100, 104, 99, 99)
    monday = 1_699_833_600_000  # 2023-11-13 00:00 UTC, a Monday
    assert book.klines("1w")[0].open_ms == monday
