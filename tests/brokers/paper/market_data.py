"""`StaticMarketData`: a price source whose prices the test sets, with realistic market filters."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
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

D = Decimal

MARKETS = {
    "BTC/USDT": Market(
        symbol="BTC/USDT",
        exchange_symbol="BTCUSDT",
        base="BTC",
        quote="USDT",
        tick_size=D("0.01"),
        step_size=D("0.00001"),
        min_qty=D("0.00001"),
        min_notional=D("5"),
        max_qty=D("9000"),
    ),
    "ETH/USDT": Market(
        symbol="ETH/USDT",
        exchange_symbol="ETHUSDT",
        base="ETH",
        quote="USDT",
        tick_size=D("0.01"),
        step_size=D("0.0001"),
        min_qty=D("0.0001"),
        min_notional=D("5"),
    ),
    "ETH/BTC": Market(
        symbol="ETH/BTC",
        exchange_symbol="ETHBTC",
        base="ETH",
        quote="BTC",
        tick_size=D("0.00001"),
        step_size=D("0.0001"),
        min_qty=D("0.0001"),
        min_notional=D("0.0001"),
    ),
}


class StaticMarketData(BrokerAdapter):
    """Public market data only; `down = True` makes every price call fail as a timeout would."""

    exchange_id = "static"

    def __init__(self) -> None:
        self.tickers: dict[str, Ticker] = {}
        self.down = False
        self.closed = False

    def set_price(self, symbol: str, *, bid: str | None, ask: str | None, last: str | None = None) -> None:
        mid = last or ask or bid
        assert mid is not None
        self.tickers[symbol] = Ticker(
            symbol=symbol,
            last=D(mid),
            bid=D(bid) if bid is not None else None,
            ask=D(ask) if ask is not None else None,
            timestamp=datetime.now(UTC),
        )

    def load_markets(self, *, reload: bool = False) -> dict[str, Market]:
        return dict(MARKETS)

    def fetch_ticker(self, symbol: str) -> Ticker:
        if self.down:
            raise ExchangeUnavailable("static prices are down", exchange=self.exchange_id)
        unified = self.market(symbol).symbol
        if unified not in self.tickers:
            raise BadSymbol(f"no price for {symbol}", exchange=self.exchange_id)
        return self.tickers[unified]

    def fetch_tickers(self, symbols: Iterable[str]) -> dict[str, Ticker]:
        return {s: self.fetch_ticker(s) for s in symbols}

    def fetch_ohlcv(
        self, symbol: str, timeframe: str = "1h", *, since: datetime | None = None, limit: int | None = None
    ) -> list[Candle]:
        return []

    def close(self) -> None:
        self.closed = True

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
