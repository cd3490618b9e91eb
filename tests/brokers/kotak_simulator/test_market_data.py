"""The scrip master, quotes and candles, for account holders and for the public consumer key."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import requests

from brokers.kotak_simulator import PUBLIC_CONSUMER_KEY

from .conftest import CALENDAR, FRIDAY, ist_ms, ltp


def _get(sim, path: str, key: str = PUBLIC_CONSUMER_KEY, **params: str) -> requests.Response:
    return requests.get(f"{sim.base_url}{path}", params=params, headers={"Authorization": key}, timeout=10)


def test_the_scrip_master_lists_nse_cash_scrips_in_kotaks_columns(sim):
    paths = _get(sim, "/script-details/1.0/masterscrip/file-paths").json()["data"]
    url = next(p for p in paths["filesPaths"] if "nse_cm" in p)
    assert url.startswith(paths["baseFolder"])
    text = requests.get(url, timeout=10).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) >= 20
    reliance = next(r for r in rows if r["pTrdSymbol"] == "RELIANCE-EQ")
    assert reliance["pSymbol"] == "2885" and reliance["pExchSeg"] == "nse_cm" and reliance["lLotSize"] == "1"
    assert Decimal(reliance["dTickSize "]) / 10 ** int(reliance["lPrecision"]) == Decimal("0.10")
    wipro = next(r for r in rows if r["pSymbolName"] == "WIPRO")
    assert Decimal(wipro["dTickSize "]) / 100 == Decimal("0.05")


def test_quotes_answer_the_last_price_and_the_days_ohlc(sim):
    answer = _get(sim, "/script-details/1.0/quotes/neosymbol/nse_cm|2885,nse_cm|1594/all").json()
    assert [q["display_symbol"] for q in answer] == ["RELIANCE-EQ", "INFY-EQ"]
    quote = answer[0]
    assert quote["exchange_token"] == "2885" and quote["exchange"] == "nse_cm"
    assert Decimal(quote["ohlc"]["low"]) <= Decimal(quote["ltp"]) <= Decimal(quote["ohlc"]["high"])
    assert len(quote["depth"]["buy"]) == 5


def test_a_quote_filter_keeps_only_its_fields(sim):
    quote = _get(sim, "/script-details/1.0/quotes/neosymbol/nse_cm%7C2885/ltp").json()[0]
    assert set(quote) == {"exchange_token", "display_symbol", "exchange", "ltp"}


def test_quotes_need_a_known_consumer_key(sim):
    answer = _get(sim, "/script-details/1.0/quotes/neosymbol/nse_cm|2885/ltp", key="stranger")
    assert answer.status_code == 401 and answer.json()["code"] == "900901"


def test_an_unknown_instrument_is_not_ok(sim):
    answer = _get(sim, "/script-details/1.0/quotes/neosymbol/nse_cm|999999/ltp").json()
    assert answer == {"stat": "Not_Ok", "emsg": "Invalid instrument/code", "stCode": 1009}


def test_prices_move_only_while_the_market_is_open(sim, neo, clock):
    clock.set(ist_ms(FRIDAY, 16, 0))
    after_close = ltp(neo)
    clock.set(ist_ms(date(2025, 12, 6), 12, 0))  # Saturday
    assert ltp(neo) == after_close
    clock.set(ist_ms(date(2025, 12, 8), 12, 0))  # Monday midday
    assert ltp(neo) != after_close


def test_daily_candles_cover_two_years_of_nse_trading_days_only(make_sim):
    sim = make_sim(history_days=800)
    bars = _get(
        sim, "/_sim/candles", symbol="RELIANCE", interval="1d", start="2023-11-01", end="2025-12-05"
    ).json()
    days = [date.fromisoformat(b["t"]) for b in bars]
    assert days[-1] == date(2025, 12, 4)  # the last close before the simulator started (Friday 10:00)
    assert days[0] <= days[-1] - timedelta(days=730)
    assert all(CALENDAR.is_trading_day(d) for d in days)
    assert date(2025, 10, 2) not in days  # Gandhi Jayanti, an NSE holiday
    assert all(Decimal(b["l"]) <= Decimal(b["c"]) <= Decimal(b["h"]) for b in bars)


def test_daily_candles_are_the_same_for_the_same_seed(make_sim):
    first = _get(make_sim(), "/_sim/candles", symbol="TCS", interval="1d").json()
    second = _get(make_sim(), "/_sim/candles", symbol="TCS-EQ", interval="1d").json()
    assert first == second and first


def test_a_finished_session_becomes_a_daily_candle(sim, clock):
    clock.set(ist_ms(FRIDAY, 16, 0))
    bars = _get(sim, "/_sim/candles", symbol="2885", interval="1d", start="2025-12-05").json()
    assert [b["t"] for b in bars] == ["2025-12-05"]


def test_intraday_candles_cover_todays_session(sim, clock):
    clock.set(ist_ms(FRIDAY, 10, 30))
    minutes = _get(sim, "/_sim/candles", symbol="INFY", interval="1m").json()
    assert minutes[0]["t"] == "2025-12-05T03:45:00Z"  # 09:15 IST
    assert len(minutes) == 75
    fives = _get(sim, "/_sim/candles", symbol="INFY", interval="5m").json()
    assert len(fives) == 15 and fives[0]["o"] == minutes[0]["o"] and fives[0]["c"] == minutes[4]["c"]


def test_candles_need_a_consumer_key_and_a_known_symbol(sim):
    assert _get(sim, "/_sim/candles", key="stranger", symbol="INFY").status_code == 401
    assert _get(sim, "/_sim/candles", symbol="NOSUCH").status_code == 404
    assert _get(sim, "/_sim/candles", symbol="INFY", interval="1h").status_code == 400
