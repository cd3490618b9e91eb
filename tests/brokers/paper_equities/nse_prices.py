"""`NsePrices`: a stand-in NSE price source whose last prices and daily candles the test sets.
Only the price source is a stand-in; the ledger under test is the real one in the database."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from decimal import Decimal

from brokers.adapters.base import (
    AccountCheck,
    Balance,
    BrokerAdapter,
    Candle,
    Market,
    Order,
    OrderType,
    Side,
    Ticker,
    Trade,
)
from brokers.errors import BadSymbol, ExchangeUnavailable
from brokers.nse_calendar import IST

D = Decimal


def _stock(symbol: str, tick: str) -> Market:
    return Market(
        symbol=symbol,
        exchange_symbol=f"{symbol}-EQ",
        base=symbol,
        quote="INR",
        tick_size=D(tick),
        step_size=D(1),
        min_qty=D(1),
        min_notional=D(0),
    )


MARKETS = {
    "RELIANCE": _stock("RELIANCE", "0.05"),
    "TCS": _stock("TCS", "0.10"),
    "INFY": _stock("INFY", "0.05"),
}


class NsePrices(BrokerAdapter):
    """Public market data only. `down = True` fails every price call as a timeout would."""

    exchange_id = "nse_prices"

    def __init__(self) -> None:
        self.last: dict[str, Decimal] = {}
        self.daily_opens: dict[tuple[str, date], Decimal] = {}
        self.down = False

    def set_price(self, symbol: str, last: str) -> None:
        self.last[symbol] = D(last)

    def set_daily_open(self, symbol: str, day: date, price: str) -> None:
        self.daily_opens[(symbol, day)] = D(price)

    def load_markets(self, *, reload: bool = False) -> dict[str, Market]:
        return dict(MARKETS)

    def fetch_ticker(self, symbol: str) -> Ticker:
        if self.down:
            raise ExchangeUnavailable("prices are down", exchange=self.exchange_id)
        unified = self.market(symbol).symbol
        if unified not in self.last:
            raise BadSymbol(f"no price for {symbol}", exchange=self.exchange_id)
        return Ticker(
            symbol=unified, last=self.last[unified], bid=None, ask=None, timestamp=datetime.now(UTC)
        )

    def fetch_tickers(self, symbols: Iterable[str]) -> dict[str, Ticker]:
        return {s: self.fetch_ticker(s) for s in symbols}

    def fetch_ohlcv(
        self, symbol: str, timeframe: str = "1h", *, since: datetime | None = None, limit: int | None = None
    ) -> list[Candle]:
        if timeframe != "1d":
            return []
        unified = self.market(symbol).symbol
        return [
            Candle(
                opened_at=datetime.combine(day, time(0), tzinfo=IST),
                open=price,
                high=price,
                low=price,
                close=price,
                volume=D(1000),
            )
            for (name, day), price in sorted(self.daily_opens.items())
            if name == unified
        ]

    # Market data has no account.
    def fetch_balance(self) -> dict[str, Balance]:
        raise NotImplementedError

    def check_account(self) -> AccountCheck:
        raise NotImplementedError

    def create_order(
        self,
        *,
        symbol: str,
        side: Side,
        type: OrderType,
        amount: Decimal,
        price: Decimal | None = None,
        client_order_id: str,
    ) -> Order:
        raise NotImplementedError

    def fetch_order(self, *, symbol: str, order_id: str) -> Order:
        raise NotImplementedError

    def fetch_order_by_client_id(self, *, symbol: str, client_order_id: str) -> Order:
        raise NotImplementedError

    def cancel_order(self, *, symbol: str, order_id: str) -> Order:
        raise NotImplementedError

    def fetch_open_orders(self, symbol: str | None = None) -> list[Order]:
        raise NotImplementedError

    def fetch_my_trades(
        self, symbol: str, *, since: datetime | None = None, limit: int | None = None
    ) -> list[Trade]:
        raise NotImplementedError
