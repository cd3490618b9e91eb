"""`PaperEquitiesAdapter`: an NSE cash account in our database, filled at the prices of a public
market-data adapter (`config.price_source`, by default the Kotak simulator).

Public calls go to the price source. Private calls first bring the ledger up to now
(catch_up.py: AMOs at the open, limit fills, MIS square-off, expiry), then read or write it
through engine.py. Time comes from `clock` (a `brokers.simulator.clock` Clock: the wall clock
unless a test hands in a ManualClock), so tests cross nights, weekends and holidays.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING

from django.utils import timezone

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
from brokers.adapters.equities import (
    CURRENCY,
    EquitiesBrokerAdapter,
    EquityOrder,
    Funds,
    Holding,
    Position,
    Product,
)
from brokers.errors import BrokerError, InvalidOrder, OrderNotFound
from brokers.nse_calendar import IST

from . import catch_up, engine, ledger, selectors
from .models import PaperEquityAccount, PaperEquityOrder

if TYPE_CHECKING:
    from brokers.models import ExchangeConfig
    from brokers.simulator.clock import Clock


class PaperEquitiesAdapter(EquitiesBrokerAdapter):
    exchange_id = ledger.EXCHANGE

    def __init__(
        self, config: ExchangeConfig, market_data: BrokerAdapter, *, clock: Clock | None = None
    ) -> None:
        if config.exchange != ledger.EXCHANGE:
            raise ValueError(f"PaperEquitiesAdapter needs a {ledger.EXCHANGE} account, got {config.exchange}")
        self.config = config
        self.market_data = market_data  # owned: `close()` closes it too
        self.clock = clock

    def now(self) -> datetime:
        if self.clock is None:
            return timezone.now()
        return datetime.fromtimestamp(self.clock.now_ms() / 1000, tz=UTC)

    def _today(self) -> datetime:
        return self.now().astimezone(IST)

    @cached_property
    def account(self) -> PaperEquityAccount:
        try:
            return PaperEquityAccount.objects.get(config=self.config)
        except PaperEquityAccount.DoesNotExist:
            raise BrokerError(
                "This paper NSE account has no simulated ledger; delete it and add it again.",
                exchange=self.exchange_id,
            ) from None

    def _catch_up(self) -> None:
        catch_up.account_catch_up(account=self.account, market_data=self.market_data, now=self.now())

    def _last_prices(self, symbols: Iterable[str]) -> dict[str, Decimal]:
        return catch_up.last_prices(self.market_data, symbols)

    # --- public market data: the price source's ---------------------------------------------------
    def load_markets(self, *, reload: bool = False) -> dict[str, Market]:
        return self.market_data.load_markets(reload=reload)

    def market(self, symbol: str) -> Market:
        # The price source knows how its broker writes symbols (RELIANCE, RELIANCE-EQ, ...).
        return self.market_data.market(symbol)

    def fetch_ticker(self, symbol: str) -> Ticker:
        return self.market_data.fetch_ticker(symbol)

    def fetch_tickers(self, symbols: Iterable[str]) -> dict[str, Ticker]:
        return self.market_data.fetch_tickers(symbols)

    def fetch_ohlcv(
        self, symbol: str, timeframe: str = "1h", *, since: datetime | None = None, limit: int | None = None
    ) -> list[Candle]:
        return self.market_data.fetch_ohlcv(symbol, timeframe, since=since, limit=limit)

    # --- private: the ledger ------------------------------------------------------------------------
    def fetch_balance(self) -> dict[str, Balance]:
        self._catch_up()
        funds = selectors.funds(self.account)
        return {CURRENCY: Balance(asset=CURRENCY, free=funds.available_cash, used=funds.used_margin)}

    def check_account(self) -> AccountCheck:
        # Nothing to authenticate: the ledger exists, trading is allowed, money never leaves.
        return AccountCheck(can_trade=True, can_withdraw=False, balances=self.fetch_balance())

    def fetch_funds(self) -> Funds:
        self._catch_up()
        return selectors.funds(self.account)

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
        # A retry of a placed order needs no price: answer it even while prices are unavailable.
        existing = ledger.find_by_client_id(account=self.account, client_order_id=client_order_id)
        if existing is not None and existing.status == PaperEquityOrder.Status.REJECTED:
            raise InvalidOrder(existing.reject_reason, exchange=self.exchange_id)
        if existing is None:
            # Older orders trade first, as on a real book; then the new one at the current price.
            self._catch_up()
            try:
                side, type, product = Side(side), OrderType(type), Product(product)
            except ValueError:
                raise InvalidOrder(f"unknown side, type or product: {side} {type} {product}") from None
            request = engine.OrderRequest(
                symbol=market.symbol,
                side=side,
                type=type,
                product=product,
                amo=amo,
                quantity=Decimal(quantity),
                price=price,
                client_order_id=client_order_id,
            )
            last = self.market_data.fetch_ticker(market.symbol).last
            existing = engine.order_place(
                account=self.account, market=market, last_price=last, request=request, now=self.now()
            )
        return selectors.to_equity_order(existing)

    def modify_order(
        self,
        *,
        symbol: str,
        order_id: str,
        quantity: Decimal | None = None,
        price: Decimal | None = None,
        type: OrderType | None = None,
    ) -> EquityOrder:
        order = self._order(symbol, order_id)
        last = self.market_data.fetch_ticker(order.symbol).last
        modified = engine.order_modify(
            account=self.account,
            order_id=order_id,
            last_price=last,
            quantity=quantity,
            price=price,
            type=type,
            now=self.now(),
        )
        return selectors.to_equity_order(modified)

    def _order(self, symbol: str, order_id: str) -> PaperEquityOrder:
        """The account's order `order_id` on `symbol`, the ledger caught up first."""
        unified = self.market(symbol).symbol
        self._catch_up()
        order = ledger.get_order(account=self.account, order_id=order_id)
        if order.symbol != unified:
            raise OrderNotFound(f"order {order_id} not found on {unified}", exchange=self.exchange_id)
        return order

    def fetch_order(self, *, symbol: str, order_id: str) -> Order:
        return selectors.to_equity_order(self._order(symbol, order_id))

    def fetch_order_by_client_id(self, *, symbol: str, client_order_id: str) -> Order:
        unified = self.market(symbol).symbol
        self._catch_up()
        order = ledger.find_by_client_id(account=self.account, client_order_id=client_order_id)
        if order is None or order.symbol != unified:
            raise OrderNotFound(f"no order with client id {client_order_id}", exchange=self.exchange_id)
        return selectors.to_equity_order(order)

    def cancel_order(self, *, symbol: str, order_id: str) -> Order:
        # An order the market already crossed fills before the cancel lands (the catch-up),
        # as in the race on a real exchange; the caller then sees it filled, not cancelled.
        self._order(symbol, order_id)
        canceled = engine.order_cancel(account=self.account, order_id=order_id, now=self.now())
        return selectors.to_equity_order(canceled)

    def fetch_open_orders(self, symbol: str | None = None) -> list[Order]:
        unified = self.market(symbol).symbol if symbol else None
        self._catch_up()
        return [
            selectors.to_equity_order(o) for o in selectors.open_orders(account=self.account, symbol=unified)
        ]

    def fetch_orders(self) -> list[EquityOrder]:
        self._catch_up()
        today = self._today().date()
        return [selectors.to_equity_order(o) for o in selectors.day_orders(account=self.account, today=today)]

    def fetch_my_trades(
        self, symbol: str, *, since: datetime | None = None, limit: int | None = None
    ) -> list[Trade]:
        unified = self.market(symbol).symbol
        self._catch_up()
        return selectors.trades_for(account=self.account, symbol=unified, since=since, limit=limit)

    def fetch_holdings(self) -> list[Holding]:
        self._catch_up()
        prices = self._last_prices(selectors.holding_symbols(account=self.account))
        return selectors.holdings(account=self.account, today=self._today().date(), last_prices=prices)

    def fetch_positions(self) -> list[Position]:
        self._catch_up()
        today = self._today().date()
        prices = self._last_prices(selectors.position_symbols(account=self.account, today=today))
        return selectors.positions(account=self.account, today=today, last_prices=prices)

    def close(self) -> None:
        self.market_data.close()
