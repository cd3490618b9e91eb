"""Kotak market data: the NSE cash scrip master (markets, tokens, ticks), quotes (tickers) and,
for the simulator only, its candles (Kotak itself has no history endpoint)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from brokers.adapters.base import Candle, Market, Ticker
from brokers.adapters.equities import CURRENCY
from brokers.errors import AuthenticationFailed, BrokerError
from brokers.nse_calendar import MARKET_OPEN, nse_calendar

from .answers import SessionExpired
from .numbers import amount, dec, epoch_time, ist_time

if TYPE_CHECKING:
    from .client import KotakClient

NSE_CASH = "nse_cm"
SCRIP_PATHS = "script-details/1.0/masterscrip/file-paths"
QUOTES_PATH = "script-details/1.0/quotes/neosymbol/{queries}/all"
# Kotak's NSE cash series that trade as ordinary shares (EQ) or trade-for-trade (BE).
EQUITY_GROUPS = {"EQ", "BE"}
INTERVALS = {"1d": "1d", "1day": "1d", "5m": "5m", "1m": "1m"}
KEY_REFUSED = "Kotak Neo refused the consumer key"
DEFAULT_DAILY_BARS = 240  # what a year of NSE sessions, the simulator's default range, holds


def nse_symbol(trading_symbol: str) -> str:
    """RELIANCE-EQ -> RELIANCE (Kotak's trading symbol is the NSE symbol and its series)."""
    text = trading_symbol.strip().upper()
    base, _, series = text.rpartition("-")
    return base if base and series in EQUITY_GROUPS else text


def load_scrip_master(client: KotakClient) -> tuple[dict[str, Market], dict[str, str]]:
    """The NSE cash markets and each one's instrument token."""
    paths = _public(client, SCRIP_PATHS).get("data") or {}
    files = [str(p) for p in paths.get("filesPaths", []) if NSE_CASH in str(p).lower()]
    if not files:
        raise BrokerError("Kotak Neo's scrip master lists no NSE cash file", exchange=client.exchange_id)
    return parse_scrip_master(client.public_text(files[0]))


def parse_scrip_master(text: str) -> tuple[dict[str, Market], dict[str, str]]:
    markets: dict[str, Market] = {}
    tokens: dict[str, str] = {}
    reader = csv.reader(io.StringIO(text))
    header = [name.strip().rstrip(";") for name in next(reader, [])]
    for values in reader:
        row = dict(zip(header, (v.strip() for v in values), strict=False))
        if row.get("pExchSeg", "").lower() != NSE_CASH or row.get("pGroup", "").upper() not in EQUITY_GROUPS:
            continue
        symbol = (row.get("pSymbolName") or nse_symbol(row.get("pTrdSymbol", ""))).upper()
        lot = amount(row.get("lLotSize")) or Decimal(1)
        markets[symbol] = Market(
            symbol=symbol,
            exchange_symbol=row.get("pTrdSymbol", ""),
            base=symbol,
            quote=CURRENCY,
            tick_size=_tick(row),
            step_size=lot,
            min_qty=lot,
            min_notional=Decimal(0),
        )
        tokens[symbol] = row.get("pSymbol", "")
    return markets, tokens


def _tick(row: dict[str, str]) -> Decimal:
    # dTickSize is in paise scaled by lPrecision: 5.000000 with precision 2 is 0.05 rupee.
    paise = amount(row.get("dTickSize"))
    precision = int(amount(row.get("lPrecision")) or 2)
    tick = (paise / Decimal(10) ** precision).normalize()
    return tick if tick > 0 else Decimal("0.05")


def fetch_quotes(client: KotakClient, tokens: dict[str, str], *, now: datetime) -> dict[str, Ticker]:
    """Tickers for {symbol: token}; instruments Kotak does not know are left out."""
    by_token = {token: symbol for symbol, token in tokens.items()}
    queries = ",".join(f"{NSE_CASH}|{token}" for token in tokens.values())
    answer = _public(client, QUOTES_PATH.format(queries=queries))
    tickers = {}
    for quote in answer.get("data") or []:
        # v2 answers say `exchange_token`; the older SDK docs' sample says `instrument_token`.
        symbol = by_token.get(str(quote.get("exchange_token") or quote.get("instrument_token") or ""))
        last = dec(quote.get("ltp"), None)
        if symbol is None or last is None:
            continue
        depth = quote.get("depth") or {}
        tickers[symbol] = Ticker(
            symbol=symbol,
            last=last,
            bid=_best(depth.get("buy")),
            ask=_best(depth.get("sell")),
            timestamp=epoch_time(quote.get("lstup_time")) or ist_time(quote.get("last_trade_time")) or now,
        )
    return tickers


def _best(levels: Any) -> Decimal | None:
    if not isinstance(levels, list) or not levels or not isinstance(levels[0], dict):
        return None
    price = dec(levels[0].get("price"), None)
    return price if price else None


def fetch_candles(
    client: KotakClient,
    candles_url: str,
    symbol: str,
    timeframe: str,
    *,
    since: datetime | None,
    limit: int | None,
    now: datetime,
) -> list[Candle]:
    """The simulator's candles (`/_sim/candles`), oldest first."""
    interval = INTERVALS.get(timeframe)
    if interval is None:
        raise BrokerError(
            f"Kotak Neo candles come in 1d, 5m and 1m, not {timeframe}", exchange=client.exchange_id
        )
    params = {"symbol": symbol, "interval": interval}
    if since is not None:
        params["start"] = since.astimezone(UTC).isoformat()
    elif limit and limit > DEFAULT_DAILY_BARS and interval == "1d":
        # The simulator's default is a year; ask far enough back for `limit` trading days
        # (about 5 in 7 calendar days, less holidays).
        params["start"] = (now - timedelta(days=limit * 3 // 2 + 15)).astimezone(UTC).isoformat()
    try:
        answer = client.public_url(candles_url, params)
    except SessionExpired:
        raise AuthenticationFailed(KEY_REFUSED, exchange=client.exchange_id) from None
    candles = [_candle(bar, interval) for bar in answer.get("data") or [] if isinstance(bar, dict)]
    if since is not None:
        candles = [c for c in candles if c.opened_at >= since]
        return candles[:limit] if limit else candles
    return candles[-limit:] if limit else candles


def _candle(bar: dict[str, Any], interval: str) -> Candle:
    stamp = str(bar.get("t", ""))
    if interval == "1d":
        # A daily bar opens with the session: 09:15 India time on its trading day.
        opened = nse_calendar().at_ist(date.fromisoformat(stamp[:10]), MARKET_OPEN)
    else:
        opened = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC)
    return Candle(
        opened_at=opened,
        open=amount(bar.get("o")),
        high=amount(bar.get("h")),
        low=amount(bar.get("l")),
        close=amount(bar.get("c")),
        volume=amount(bar.get("v")),
    )


def _public(client: KotakClient, path: str) -> dict[str, Any]:
    try:
        return client.public(path)
    except SessionExpired:
        raise AuthenticationFailed(KEY_REFUSED, exchange=client.exchange_id) from None
