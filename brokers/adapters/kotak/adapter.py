"""The Kotak Neo adapter: NSE cash equities through Kotak Neo's trade API over plain HTTP.

Public data (markets from the scrip master, quotes) needs only the consumer key; everything else
runs in the account's session (see client.py). Numbers are Decimal from Kotak's strings; times
are UTC (Kotak speaks India time). Orders are placed once: see exactly_once.py."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar

from brokers.adapters.base import (
    AccountCheck,
    Balance,
    Candle,
    Market,
    Order,
    OrderType,
    Side,
    Ticker,
    Trade,
)
from brokers.adapters.equities import (
    CURRENCY,
    EquitiesBrokerAdapter,
    EquityOrder,
    Funds,
    Holding,
    Position,
    Product,
)
from brokers.errors import BadSymbol, BrokerError

from . import markets as scrips
from .client import KotakClient, scrub
from .credentials import KotakCredentials
from .exactly_once import AttemptBook
from .order_calls import OrderCalls
from .portfolio import funds_from_limits, holdings_from_rows, positions_from_rows
from .session_store import MemorySessionStore, SessionStore
from .transport import KotakTransport

P = ParamSpec("P")
T = TypeVar("T")
LIMITS_PATH = "quick/user/limits"
HOLDINGS_PATH = "portfolio/v1/holdings"
POSITIONS_PATH = "quick/user/positions"


def _scrubbed(method: Callable[P, T]) -> Callable[P, T]:
    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(*args, **kwargs)
        except BrokerError as error:
            raise scrub(error, args[0]._secrets()) from error.__cause__  # type: ignore[attr-defined]  # args[0] is the adapter

    return wrapper


class KotakNeoAdapter(EquitiesBrokerAdapter):
    """One Kotak Neo account (or none: `public`). Not thread-safe: one per worker thread, as
    brokers/adapters/cache.py keeps them; the session is shared through the store."""

    def __init__(
        self,
        *,
        credentials: KotakCredentials | None,
        login_base_url: str,
        exchange_id: str,
        session_store: SessionStore,
        session_key: str,
        timeout: float = 10.0,
        neo_fin_key: str = "neotradeapi",
        candles_url: str | None = None,
        consumer_key: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.exchange_id = exchange_id
        self.candles_url = candles_url
        self._credentials = credentials
        self._transport = KotakTransport(exchange_id=exchange_id, timeout=timeout)
        self._client = KotakClient(
            transport=self._transport,
            credentials=credentials,
            consumer_key=credentials.consumer_key if credentials else (consumer_key or ""),
            login_base_url=login_base_url,
            session_store=session_store,
            session_key=session_key,
            neo_fin_key=neo_fin_key,
        )
        self._now = clock or (lambda: datetime.now(UTC))
        self._markets: dict[str, Market] = {}
        self._tokens: dict[str, str] = {}  # NSE symbol -> Kotak instrument token
        self._orders = OrderCalls(
            client=self._client,
            attempts=AttemptBook(session_store, session_key),
            exchange_id=exchange_id,
            timeout=timeout,
            now=self._now,
        )

    @classmethod
    def public(
        cls,
        *,
        login_base_url: str,
        consumer_key: str,
        exchange_id: str,
        candles_url: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> KotakNeoAdapter:
        """Market data only (markets, tickers, candles); account calls raise AuthenticationFailed.
        `clock`: the simulator's time when it runs on a hand-moved clock (tests)."""
        return cls(
            credentials=None,
            login_base_url=login_base_url,
            exchange_id=exchange_id,
            session_store=MemorySessionStore(),
            session_key=f"kotak:public:{exchange_id}",
            candles_url=candles_url,
            consumer_key=consumer_key,
            clock=clock,
        )

    def _secrets(self) -> tuple[str, ...]:
        secrets = self._credentials.secrets() if self._credentials else (self._client.consumer_key,)
        session = self._client._session
        return secrets + ((session.token, session.sid) if session else ())

    def close(self) -> None:
        self._transport.close()

    # --- public market data -------------------------------------------------------------------
    @_scrubbed
    def load_markets(self, *, reload: bool = False) -> dict[str, Market]:
        if self._markets and not reload:
            return self._markets
        markets, tokens = scrips.load_scrip_master(self._client)
        self._markets, self._tokens = markets, tokens
        return markets

    def market(self, symbol: str) -> Market:
        """`RELIANCE`, `reliance` or Kotak's trading symbol `RELIANCE-EQ`."""
        return super().market(scrips.nse_symbol(symbol))

    @_scrubbed
    def fetch_ticker(self, symbol: str) -> Ticker:
        wanted = self.market(symbol).symbol
        ticker = self.fetch_tickers([wanted]).get(wanted)
        if ticker is None:
            raise BadSymbol(f"Kotak Neo has no quote for {wanted}", exchange=self.exchange_id)
        return ticker

    @_scrubbed
    def fetch_tickers(self, symbols: Iterable[str]) -> dict[str, Ticker]:
        wanted = [self.market(s).symbol for s in symbols]
        if not wanted:
            return {}
        return scrips.fetch_quotes(self._client, {s: self._tokens[s] for s in wanted}, now=self._now())

    @_scrubbed
    def fetch_ohlcv(
        self, symbol: str, timeframe: str = "1h", *, since: datetime | None = None, limit: int | None = None
    ) -> list[Candle]:
        if not self.candles_url:
            raise BrokerError(
                "Kotak Neo has no candle history; daily candles come from market data",
                exchange=self.exchange_id,
            )
        market = self.market(symbol)
        return scrips.fetch_candles(
            self._client,
            self.candles_url,
            market.symbol,
            timeframe,
            since=since,
            limit=limit,
            now=self._now(),
        )

    # --- the account --------------------------------------------------------------------------
    @_scrubbed
    def fetch_funds(self) -> Funds:
        return funds_from_limits(self._client.private("POST", LIMITS_PATH, jdata=_LIMITS_QUERY))

    @_scrubbed
    def fetch_balance(self) -> dict[str, Balance]:
        funds = self.fetch_funds()
        return {CURRENCY: Balance(asset=CURRENCY, free=funds.available_cash, used=funds.used_margin)}

    @_scrubbed
    def check_account(self) -> AccountCheck:
        """A fresh login (the credentials, not a cached session, are what is checked) and the
        cash limits."""
        self._client.login()
        return AccountCheck(can_trade=True, can_withdraw=None, balances=self.fetch_balance())

    @_scrubbed
    def fetch_holdings(self) -> list[Holding]:
        rows = _rows(self._client.private("GET", HOLDINGS_PATH))
        return holdings_from_rows(rows, symbol_for=scrips.nse_symbol)

    @_scrubbed
    def fetch_positions(self) -> list[Position]:
        rows = _rows(self._client.private("GET", POSITIONS_PATH))
        return positions_from_rows(rows, symbol_for=scrips.nse_symbol)

    # --- orders -------------------------------------------------------------------------------
    @_scrubbed
    def create_equity_order(
        self,
        *,
        symbol: str,
        side: Side,
        type: OrderType,
        quantity: Decimal,
        price: Decimal | None = None,
        product: Product = Product.CNC,
        amo: bool = False,
        client_order_id: str,
    ) -> EquityOrder:
        market = self.market(symbol)
        return self._orders.place(
            market=market,
            token=self._tokens.get(market.symbol, ""),
            side=side,
            type=type,
            quantity=quantity,
            price=price,
            product=product,
            amo=amo,
            client_order_id=client_order_id,
        )

    @_scrubbed
    def modify_order(
        self,
        *,
        symbol: str,
        order_id: str,
        quantity: Decimal | None = None,
        price: Decimal | None = None,
        type: OrderType | None = None,
    ) -> EquityOrder:
        return self._orders.modify(order_id=order_id, quantity=quantity, price=price, type=type)

    @_scrubbed
    def fetch_order(self, *, symbol: str, order_id: str) -> EquityOrder:
        return self._orders.fetch(order_id)

    @_scrubbed
    def fetch_order_by_client_id(self, *, symbol: str, client_order_id: str) -> EquityOrder:
        return self._orders.fetch_by_client_id(client_order_id)

    @_scrubbed
    def cancel_order(self, *, symbol: str, order_id: str) -> EquityOrder:
        return self._orders.cancel(order_id)

    @_scrubbed
    def fetch_orders(self) -> list[EquityOrder]:
        return self._orders.book()

    @_scrubbed
    def fetch_open_orders(self, symbol: str | None = None) -> list[Order]:
        wanted = self.market(symbol).symbol if symbol else None
        return [o for o in self._orders.book() if not o.is_done and (wanted is None or o.symbol == wanted)]

    @_scrubbed
    def fetch_my_trades(
        self, symbol: str, *, since: datetime | None = None, limit: int | None = None
    ) -> list[Trade]:
        wanted = self.market(symbol).symbol
        trades = [t for t in self._orders.trades() if t.symbol == wanted]
        if since is not None:
            trades = [t for t in trades if t.executed_at >= since]
        trades.sort(key=lambda t: (t.executed_at, t.id))
        return trades[:limit] if limit else trades


# Equities cash limits: Kotak's segment/exchange/product filters.
_LIMITS_QUERY = {"seg": "CASH", "exch": "NSE", "prod": "ALL"}


def _rows(answer: dict[str, Any]) -> list[dict[str, Any]]:
    data = answer.get("data")
    return [row for row in data if isinstance(row, dict)] if isinstance(data, list) else []
