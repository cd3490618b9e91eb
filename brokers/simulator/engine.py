"""The matching engine: accounts, orders and fills against the simulated market price.

Each account trades against "the market" (not against other accounts): market orders fill at
once at the ask (buys) or bid (sells), limit orders that cross fill at once as takers, the rest
rest and fill as makers at their own price when a later price update crosses them. An optional
liquidity cap (quote notional per symbol, side and price update) turns big orders into partial
fills. Fees are charged in the quote asset. One re-entrant lock guards all state; methods return
snapshots, so callers never see an order change under them."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import fields, replace
from decimal import Decimal
from typing import Any

from . import errors, filters
from .accounts import Account
from .book import OrderBook
from .clock import Clock
from .engine_config import EngineConfig
from .markets import EIGHT, MarketSpec, ceil_to, floor_to, round_to
from .orders import Fill, Order, OrderRequest, OrderType, Side, Status, TimeInForce
from .prices import PriceBoard

ZERO = Decimal(0)


class Engine:
    def __init__(
        self,
        markets: Mapping[str, MarketSpec],
        board: PriceBoard,
        clock: Clock,
        config: EngineConfig | None = None,
    ) -> None:
        self.markets = markets
        self.board = board
        self.clock = clock
        self.config = replace(config or EngineConfig()).validate()  # a copy: `configure` changes it
        self.lock = threading.RLock()
        self.update_id = 1  # bumps on every change of prices or orders (depth's lastUpdateId)
        self._accounts: dict[str, Account] = {}
        self.book = OrderBook(markets)  # read it under `lock`
        self._budget: dict[tuple[str, Side], Decimal] = {}

    # --- accounts ----------------------------------------------------------------------------------

    def create_account(
        self,
        api_key: str,
        api_secret: str,
        balances: Mapping[str, Decimal],
        *,
        set_balances: bool = False,
        can_trade: bool = True,
        can_withdraw: bool = False,
    ) -> Account:
        """Create the key's account, or update an existing one: secret and permissions are
        replaced, balances deposited (or, with `set_balances`, set) as free funds."""
        with self.lock:
            now = self.clock.now_ms()
            account = self._accounts.get(api_key)
            if account is None:
                account = self._accounts[api_key] = Account(api_key, api_secret, created_ms=now)
            account.api_secret = api_secret
            account.can_trade = can_trade
            account.can_withdraw = can_withdraw
            account.updated_ms = now
            for asset, amount in balances.items():
                if set_balances:
                    account.set_free(asset.upper(), amount)
                else:
                    account.deposit(asset.upper(), amount)
            return account.copy()

    def account(self, api_key: str) -> Account | None:
        with self.lock:
            account = self._accounts.get(api_key)
            return None if account is None else account.copy()

    # --- prices ------------------------------------------------------------------------------------

    def spec(self, symbol: str) -> MarketSpec:
        spec = self.markets.get(symbol)
        if spec is None:
            raise errors.invalid_symbol()
        return spec

    def quote(self, symbol: str) -> tuple[Decimal, Decimal]:
        """(bid, ask) around the current price."""
        with self.lock:
            spec = self.spec(symbol)
            price = self.board.price(symbol)
            if not self.config.spread_bps:
                return price, price
            half = price * self.config.spread_bps / 20000
            bid = max(floor_to(price - half, spec.tick_size), spec.tick_size)
            return bid, max(ceil_to(price + half, spec.tick_size), bid + spec.tick_size)

    def set_price(self, symbol: str, price: Decimal) -> Decimal:
        """Set a price by hand (rounded to the tick); resting orders it crosses fill."""
        with self.lock:
            spec = self.spec(symbol)
            if price <= 0:
                raise ValueError("the price must be positive")
            price = min(max(round_to(price, spec.tick_size), spec.tick_size), spec.max_price)
            self.board.set(symbol, price)
            self._after_price_update([symbol])
            return price

    def tick(self, steps: int = 1) -> None:
        """Advance every price driver `steps` times, matching after each step."""
        with self.lock:
            for _ in range(steps):
                self.board.step()
                self._after_price_update(list(self.markets))

    def configure(self, **changes: Any) -> EngineConfig:
        """Change fees, spread, liquidity cap; orders already placed keep the fees they had."""
        unknown = set(changes) - {f.name for f in fields(EngineConfig)}
        if unknown:
            raise ValueError(f"unknown engine settings: {', '.join(sorted(unknown))}")
        with self.lock:
            self.config = replace(self.config, **changes).validate()
            self._budget.clear()
            return replace(self.config)

    # --- orders ------------------------------------------------------------------------------------

    def place_order(self, api_key: str, request: OrderRequest) -> Order:
        with self.lock:
            account = self._account(api_key)
            if not account.can_trade:
                raise errors.trading_disabled()
            spec = self.spec(request.symbol)
            if self.book.has_open_client_id(api_key, request.client_order_id):
                raise errors.duplicate_order()
            if request.type == OrderType.MARKET:
                order = self._market_order(account, spec, request)
            else:
                order = self._limit_order(account, spec, request)
            self.update_id += 1
            return order.snapshot()

    def get_order(
        self, api_key: str, symbol: str, *, order_id: int | None, client_order_id: str | None
    ) -> Order:
        with self.lock:
            self._account(api_key)
            order = self.book.find(api_key, self.spec(symbol).symbol, order_id, client_order_id)
            if order is None:
                raise errors.no_such_order()
            return order.snapshot()

    def cancel_order(
        self, api_key: str, symbol: str, *, order_id: int | None, client_order_id: str | None
    ) -> Order:
        with self.lock:
            account = self._account(api_key)
            if not account.can_trade:
                raise errors.trading_disabled()
            order = self.book.find(api_key, self.spec(symbol).symbol, order_id, client_order_id)
            if order is None or not order.is_open:
                raise errors.unknown_order()
            order.status = Status.CANCELED
            order.updated_ms = self.clock.now_ms()
            self._close(order, account)
            self.update_id += 1
            return order.snapshot()

    def open_orders(self, api_key: str, symbol: str | None = None) -> list[Order]:
        with self.lock:
            self._account(api_key)
            symbols = [self.spec(symbol).symbol] if symbol else list(self.markets)
            return [o.snapshot() for o in self.book.open_for(api_key, symbols)]

    def all_orders(
        self,
        api_key: str,
        symbol: str,
        *,
        from_id: int | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 500,
    ) -> list[Order]:
        with self.lock:
            self._account(api_key)
            found = self.book.history(
                api_key,
                self.spec(symbol).symbol,
                from_id=from_id,
                start_ms=start_ms,
                end_ms=end_ms,
                limit=limit,
            )
            return [o.snapshot() for o in found]

    def my_trades(
        self,
        api_key: str,
        symbol: str,
        *,
        order_id: int | None = None,
        from_id: int | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 500,
    ) -> list[Fill]:
        with self.lock:
            self._account(api_key)
            return self.book.fills(
                api_key,
                self.spec(symbol).symbol,
                order_id=order_id,
                from_id=from_id,
                start_ms=start_ms,
                end_ms=end_ms,
                limit=limit,
            )

    def open_order_count(self) -> int:
        with self.lock:
            return self.book.open_count()

    def order_totals(self) -> dict[str, int]:
        with self.lock:
            return self.book.totals()

    def accounts(self) -> list[Account]:
        with self.lock:
            return [account.copy() for account in self._accounts.values()]

    # --- internals ---------------------------------------------------------------------------------

    def _account(self, api_key: str) -> Account:
        account = self._accounts.get(api_key)
        if account is None:
            raise errors.bad_key()
        return account

    def _new_order(
        self, account: Account, spec: MarketSpec, request: OrderRequest, *, price: Decimal, qty: Decimal
    ) -> Order:
        now = self.clock.now_ms()
        order = Order(
            order_id=self.book.new_order_id(),
            api_key=account.api_key,
            symbol=spec.symbol,
            client_order_id=request.client_order_id,
            side=request.side,
            type=request.type,
            time_in_force=request.time_in_force,
            price=price,
            orig_qty=qty,
            orig_quote_qty=request.quote_order_qty or ZERO,
            created_ms=now,
            updated_ms=now,
            maker_fee=self.config.maker_fee,
            taker_fee=self.config.taker_fee,
        )
        self.book.add(order)
        return order

    def _market_order(self, account: Account, spec: MarketSpec, request: OrderRequest) -> Order:
        bid, ask = self.quote(spec.symbol)
        buy = request.side == Side.BUY
        ref = ask if buy else bid
        fee = self.config.taker_fee
        if request.quote_order_qty is not None:
            spend = request.quote_order_qty
            qty = floor_to(spend / (ref * (1 + fee) if buy else ref), spec.step_size)
            filters.check_quantity(spec, qty)
            filters.check_notional(spec, spend)
        else:
            qty = request.quantity or ZERO
            filters.check_market_order(spec, quantity=qty, reference_price=ref)
        needed = ceil_to(qty * ref * (1 + fee), EIGHT) if buy else qty
        if account.balance(spec.quote if buy else spec.base).free < needed:
            raise errors.insufficient_balance()
        order = self._new_order(account, spec, request, price=ZERO, qty=qty)
        self._take(order, account, spec, ref)
        if order.is_open:  # the liquidity cap left a remainder: a market order never rests
            order.status = Status.EXPIRED
        return order

    def _limit_order(self, account: Account, spec: MarketSpec, request: OrderRequest) -> Order:
        price, qty = request.price or ZERO, request.quantity or ZERO
        filters.check_limit_order(spec, price=price, quantity=qty)
        bid, ask = self.quote(spec.symbol)
        buy = request.side == Side.BUY
        crosses = ask <= price if buy else bid >= price
        if request.type == OrderType.LIMIT_MAKER and crosses:
            raise errors.would_take()
        if self.book.open_count(account.api_key, spec.symbol) >= self.config.max_open_orders:
            raise errors.filter_failure("MAX_NUM_ORDERS")
        fee = max(self.config.maker_fee, self.config.taker_fee)
        lock_asset, lock = (spec.quote, ceil_to(qty * price * (1 + fee), EIGHT)) if buy else (spec.base, qty)
        account.lock(lock_asset, lock)  # raises -2010 insufficient balance before any order exists
        order = self._new_order(account, spec, request, price=price, qty=qty)
        order.lock_asset, order.locked = lock_asset, lock
        tif = request.time_in_force
        if crosses and tif == TimeInForce.FOK and self._fillable(spec, order.side, ask if buy else bid) < qty:
            order.status = Status.EXPIRED
        elif crosses:
            self._take(order, account, spec, ask if buy else bid)
            if order.is_open and tif in (TimeInForce.IOC, TimeInForce.FOK):
                order.status = Status.EXPIRED
        elif tif in (TimeInForce.IOC, TimeInForce.FOK):
            order.status = Status.EXPIRED
        if order.is_open:
            self.book.rest(order)
        else:
            self._close(order, account)
        return order

    def _fillable(self, spec: MarketSpec, side: Side, price: Decimal) -> Decimal:
        """How much base the liquidity cap lets trade at `price` on this side right now."""
        if self.config.liquidity_per_tick is None:
            return spec.max_qty
        budget = self._budget.get((spec.symbol, side), self.config.liquidity_per_tick)
        return floor_to(max(budget, ZERO) / price, spec.step_size)

    def _take(self, order: Order, account: Account, spec: MarketSpec, price: Decimal) -> None:
        qty = min(order.remaining, self._fillable(spec, order.side, price))
        if qty > 0:
            self._fill(order, account, spec, qty, price, maker=False)

    def _fill(
        self, order: Order, account: Account, spec: MarketSpec, qty: Decimal, price: Decimal, *, maker: bool
    ) -> None:
        quote_qty = qty * price
        # Rounded down so that the lock taken at placement always covers cost + fee.
        fee = floor_to(quote_qty * (order.maker_fee if maker else order.taker_fee), EIGHT)
        if order.side == Side.BUY:
            spent, paid_asset, received, received_asset = quote_qty + fee, spec.quote, qty, spec.base
        else:
            spent, paid_asset, received, received_asset = qty, spec.base, quote_qty - fee, spec.quote
        if order.lock_asset:  # a limit order pays from what it locked, a market order from free funds
            account.spend_locked(paid_asset, spent)
            order.locked -= spent
        else:
            account.spend_free(paid_asset, spent)
        account.deposit(received_asset, received)
        now = self.clock.now_ms()
        account.updated_ms = order.updated_ms = now
        order.executed_qty += qty
        order.cum_quote += quote_qty
        fill = Fill(
            self.book.new_trade_id(),
            order.order_id,
            spec.symbol,
            order.side,
            price,
            qty,
            quote_qty,
            fee,
            spec.quote,
            now,
            maker,
        )
        order.fills.append(fill)
        self.book.record_fill(account.api_key, fill)
        if self.config.liquidity_per_tick is not None:
            key = (spec.symbol, order.side)
            self._budget[key] = self._budget.get(key, self.config.liquidity_per_tick) - quote_qty
        self.board.record_trade(spec.symbol, price, qty)
        if order.remaining == 0:
            order.status = Status.FILLED
            self._close(order, account)
        else:
            order.status = Status.PARTIALLY_FILLED

    def _close(self, order: Order, account: Account) -> None:
        """The order left the book (filled, canceled, expired): give back what it still holds."""
        if order.locked:
            account.unlock(order.lock_asset, order.locked)
            order.locked = ZERO
        self.book.unrest(order)

    def _after_price_update(self, symbols: list[str]) -> None:
        self.update_id += 1
        for symbol in symbols:
            self._budget.pop((symbol, Side.BUY), None)
            self._budget.pop((symbol, Side.SELL), None)
            if self.book.open[symbol]:
                self._match(symbol)

    def _match(self, symbol: str) -> None:
        """Fill resting orders the new price crosses: best price first, then oldest first."""
        spec = self.markets[symbol]
        bid, ask = self.quote(symbol)
        resting = list(self.book.open[symbol].values())
        buys = sorted(
            (o for o in resting if o.side == Side.BUY and ask <= o.price),
            key=lambda o: (-o.price, o.order_id),
        )
        sells = sorted(
            (o for o in resting if o.side == Side.SELL and bid >= o.price),
            key=lambda o: (o.price, o.order_id),
        )
        for order in (*buys, *sells):
            qty = min(order.remaining, self._fillable(spec, order.side, order.price))
            if qty > 0:
                self._fill(order, self._accounts[order.api_key], spec, qty, order.price, maker=True)
