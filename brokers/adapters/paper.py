"""The paper broker: a simulated account in our database, filled at the real public prices of
another exchange (`config.price_source`: the simulator or a ccxt exchange).

Public calls go to `market_data`, the adapter for the price source. Private calls read and write
the paper ledger through `brokers.paper_engine`; before answering, each one fills the resting
orders that the current prices have crossed, so a user sees fills without waiting for a monitor.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from functools import cached_property

from brokers import paper_engine as engine
from brokers.errors import TRANSIENT_ERRORS, BrokerError
from brokers.models import ExchangeConfig, PaperAccount, PaperBalance

from .base import AccountCheck, Balance, BrokerAdapter, Candle, Market, Order, OrderType, Side, Ticker, Trade

logger = logging.getLogger(__name__)


class PaperAdapter(BrokerAdapter):
    exchange_id = engine.EXCHANGE

    def __init__(self, config: ExchangeConfig, market_data: BrokerAdapter) -> None:
        if config.exchange != engine.EXCHANGE:
            raise ValueError(f"PaperAdapter needs a paper account, got {config.exchange}")
        self.config = config
        # Owned by this adapter: `close()` closes it too.
        self.market_data = market_data

    @cached_property
    def account(self) -> PaperAccount:
        try:
            return PaperAccount.objects.get(config=self.config)
        except PaperAccount.DoesNotExist:
            raise BrokerError(
                "This paper account has no simulated balance; delete it and add it again.",
                exchange=self.exchange_id,
            ) from None

    # --- public market data: the price source's ---------------------------------------------------
    def load_markets(self, *, reload: bool = False) -> dict[str, Market]:
        return self.market_data.load_markets(reload=reload)

    def fetch_ticker(self, symbol: str) -> Ticker:
        return self.market_data.fetch_ticker(symbol)

    def fetch_tickers(self, symbols: Iterable[str]) -> dict[str, Ticker]:
        return self.market_data.fetch_tickers(symbols)

    def fetch_ohlcv(
        self, symbol: str, timeframe: str = "1h", *, since: datetime | None = None, limit: int | None = None
    ) -> list[Candle]:
        return self.market_data.fetch_ohlcv(symbol, timeframe, since=since, limit=limit)

    # --- private: the paper ledger ----------------------------------------------------------------
    def _catch_up(self, symbols: Iterable[str] | None = None) -> None:
        """Fill resting orders on `symbols` (all the account's, when None) that the market has
        crossed. Best effort: when prices cannot be fetched the ledger is answered as it stands,
        like an exchange whose matching engine lags, rather than failing a read."""
        resting = engine.resting_symbols(account=self.account)
        wanted = resting if symbols is None else resting & set(symbols)
        if not wanted:
            return
        try:
            tickers = self.market_data.fetch_tickers(sorted(wanted))
        except TRANSIENT_ERRORS as exc:
            logger.warning("paper %s: no prices to match resting orders (%s)", self.config.pk, exc.message)
            return
        engine.match_resting_orders(self.account, tickers)

    def _unified(self, symbol: str) -> str:
        return self.market(symbol).symbol

    def fetch_balance(self) -> dict[str, Balance]:
        self._catch_up()
        return {
            row.asset: engine.to_balance(row) for row in PaperBalance.objects.filter(account=self.account)
        }

    def check_account(self) -> AccountCheck:
        # Nothing to authenticate: the ledger exists, trading is allowed, money never leaves.
        return AccountCheck(can_trade=True, can_withdraw=False, balances=self.fetch_balance())

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
        market = self.market(symbol)
        # A retry of a placed order needs no price: answer it even while prices are unavailable.
        existing = engine.find_by_client_id(account=self.account, client_order_id=client_order_id)
        if existing is not None:
            return engine.to_order(existing)
        ticker = self.market_data.fetch_ticker(market.symbol)
        # Older resting orders on this symbol trade first, as they would on a real book.
        engine.match_resting_orders(self.account, {market.symbol: ticker})
        return engine.order_place(
            account=self.account,
            market=market,
            ticker=ticker,
            side=side,
            type=type,
            amount=amount,
            price=price,
            client_order_id=client_order_id,
        )

    def fetch_order(self, *, symbol: str, order_id: str) -> Order:
        unified = self._unified(symbol)
        self._catch_up([unified])
        return engine.get_order(account=self.account, order_id=order_id, symbol=unified)

    def fetch_order_by_client_id(self, *, symbol: str, client_order_id: str) -> Order:
        unified = self._unified(symbol)
        self._catch_up([unified])
        return engine.latest_by_client_id(
            account=self.account, symbol=unified, client_order_id=client_order_id
        )

    def cancel_order(self, *, symbol: str, order_id: str) -> Order:
        unified = self._unified(symbol)
        # An order the market already crossed fills before the cancel lands, as it would in
        # the race on a real exchange; the caller then sees it closed, not canceled.
        self._catch_up([unified])
        return engine.order_cancel(account=self.account, order_id=order_id, symbol=unified)

    def fetch_open_orders(self, symbol: str | None = None) -> list[Order]:
        unified = self._unified(symbol) if symbol else None
        self._catch_up([unified] if unified else None)
        return [engine.to_order(o) for o in engine.open_orders(account=self.account, symbol=unified)]

    def fetch_my_trades(
        self, symbol: str, *, since: datetime | None = None, limit: int | None = None
    ) -> list[Trade]:
        unified = self._unified(symbol)
        self._catch_up([unified])
        return engine.trades_for(account=self.account, symbol=unified, since=since, limit=limit)

    def close(self) -> None:
        self.market_data.close()
