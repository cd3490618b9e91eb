"""Quotes, the scrip master CSV and the simulator's own candle path, as the app serves them."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, unquote

from brokers.nse_calendar import IST

from .candles import Bar
from .market import Market, Quote
from .symbols import SEGMENT, ScripSpec
from .wire import iso_utc, money, to_ms, utc

MASTER_HEADER = (
    "pSymbol,pGroup,pExchSeg,pInstType,pSymbolName,pTrdSymbol,pOptionType,pScripRefKey,pISIN,pAssetCode,"
    "pSubGroup,pCombinedSymbol,pDesc,pAmcCode,pContractId,dTickSize ,lLotSize,lExpiryDate ,lMultiplier ,"
    "lPrecision,dStrikePrice;,pExchange"
)
QUOTES_PREFIX = "/script-details/1.0/quotes/neosymbol/"
MASTER_FOLDER = "/wso2-scripmaster/v1/prod"
FILTERS = {
    "ltp": ("ltp",),
    "ohlc": ("ohlc",),
    "depth": ("depth",),
    "52w": ("year_high", "year_low"),
    "circuit_limits": ("lower_circuit_limit", "upper_circuit_limit"),
    "scrip_details": ("ltp", "last_volume"),
    "oi": ("ltp", "last_volume"),
}


def scrip_master_csv(market: Market) -> str:
    out = io.StringIO()
    out.write(MASTER_HEADER + "\n")
    writer = csv.writer(out, lineterminator="\n")
    for quote in market.quotes.values():
        spec = quote.spec
        paise = f"{spec.tick * 100:.6f}"  # Kotak writes the tick in paise
        writer.writerow(
            [
                spec.token,
                "EQ",
                SEGMENT,
                "",
                spec.symbol,
                spec.trading_symbol,
                "XX",
                spec.symbol,
                "",
                "",
                "",
                "",
                spec.name,
                "",
                "",
                paise,
                "1",
                "-1",
                "1",
                "2",
                "-1",
                "NSE",
            ]
        )
    return out.getvalue()


def file_paths(root: str, day: date) -> dict[str, Any]:
    folder = f"{root}{MASTER_FOLDER}"
    return {
        "data": {
            "filesPaths": [f"{folder}/{day.isoformat()}/transformed-v1/nse_cm-v1.csv"],
            "baseFolder": folder,
        }
    }


def _four(value: Decimal) -> str:
    return money(value, 4)


def quote_object(market: Market, quote: Quote, kind: str) -> dict[str, Any]:
    spec, ltp = quote.spec, quote.price()
    prev = quote.price(quote.prev_close)
    year_high, year_low = market.year_range(quote)
    tick = spec.tick
    full: dict[str, Any] = {
        "exchange_token": spec.token,
        "display_symbol": spec.trading_symbol,
        "exchange": SEGMENT,
        "lstup_time": str(quote.updated_ms // 1000),
        "ltp": _four(ltp),
        "last_traded_quantity": "1",
        "total_buy": "0",
        "total_sell": "0",
        "last_volume": str(quote.volume),
        "change": _four(ltp - prev),
        "per_change": _four((ltp - prev) * 100 / prev if prev else Decimal(0)),
        "year_high": _four(quote.price(year_high)),
        "year_low": _four(quote.price(year_low)),
        "lower_circuit_limit": _four(spec.price(spec.to_ticks(prev * Decimal("0.8")))),
        "upper_circuit_limit": _four(spec.price(spec.to_ticks(prev * Decimal("1.2")))),
        "ohlc": {
            "open": _four(quote.price(quote.day_open)),
            "high": _four(quote.price(quote.high)),
            "low": _four(quote.price(quote.low)),
            "close": _four(prev),
        },
        "depth": {
            "buy": [{"price": _four(ltp - tick * i), "quantity": "100", "orders": "1"} for i in range(5)],
            "sell": [
                {"price": _four(ltp + tick * (i + 1)), "quantity": "100", "orders": "1"} for i in range(5)
            ],
        },
    }
    if kind == "all":
        return full
    keep = ("exchange_token", "display_symbol", "exchange", *FILTERS[kind])
    return {k: full[k] for k in keep}


def quotes(market: Market, index: dict[str, ScripSpec], path: str) -> list[dict[str, Any]] | None:
    """The quote objects for `.../neosymbol/{queries}/{filter}`, or None when the filter is unknown."""
    rest = unquote(path.removeprefix(QUOTES_PREFIX))
    queries, _, kind = rest.partition("/")
    kind = (kind.strip("/") or "all").lower()
    if kind != "all" and kind not in FILTERS:
        return None
    out = []
    for query in filter(None, queries.split(",")):
        segment, _, token = query.partition("|")
        spec = index.get(token.strip())
        if segment.strip() == SEGMENT and spec is not None and token.strip() == spec.token:
            out.append(quote_object(market, market.quotes[spec.symbol], kind))
    return out


class CandleQueryError(ValueError):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


def _moment(text: str, *, end: bool) -> datetime:
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time.max if end else time.min).replace(tzinfo=None)
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CandleQueryError(400, f"not an ISO date or datetime: {text!r}") from None


def candles(market: Market, index: dict[str, ScripSpec], query: str, now_ms: int) -> list[dict[str, str]]:
    params = {k: v[-1] for k, v in parse_qs(query).items()}
    spec = index.get(params.get("symbol", "").upper())
    if spec is None:
        raise CandleQueryError(404, f"no symbol {params.get('symbol', '')!r}")
    interval = params.get("interval", "1d")
    quote = market.quotes[spec.symbol]
    if interval == "1d":
        today = market.calendar.today(utc(now_ms))
        start = (
            _moment(params["start"], end=False).date() if "start" in params else today - timedelta(days=365)
        )
        end = _moment(params["end"], end=True).date() if "end" in params else today
        days = [(b, b.key) for b in quote.daily if isinstance(b.key, date)]
        return [_bar(spec, b, day.isoformat()) for b, day in days if start <= day <= end]
    if interval not in ("1m", "5m"):
        raise CandleQueryError(400, "interval must be 1d, 5m or 1m")
    start_ms = _ms(params.get("start"), end=False) if "start" in params else 0
    end_ms = _ms(params.get("end"), end=True) if "end" in params else now_ms
    bars = quote.intraday.select(start_ms, end_ms, 1 if interval == "1m" else 5)
    return [_bar(spec, b, iso_utc(b.key)) for b in bars if isinstance(b.key, int)]


def _ms(text: str | None, *, end: bool) -> int:
    moment = _moment(text or "", end=end)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=IST)  # a bare date or time means India's
    return to_ms(moment)


def _bar(spec: ScripSpec, bar: Bar, t: str) -> dict[str, str]:
    return {
        "t": t,
        "o": str(spec.price(bar.o)),
        "h": str(spec.price(bar.h)),
        "l": str(spec.price(bar.low)),
        "c": str(spec.price(bar.c)),
        "v": str(bar.v),
    }
