"""The Binance spot endpoints the simulator serves: parameters in, engine call, Binance JSON out.

Exactly what ccxt's `binance` class calls for markets, tickers, candles, the order book,
balances, orders and trades (checked against ccxt 4.5.90 with a logging server)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import errors, wire
from .candles import INTERVAL_MINUTES
from .engine import Engine
from .errors import BinanceError
from .markets import MarketSpec, assets_of, floor_to, fmt8
from .orders import OrderRequest, OrderType, Side, TimeInForce
from .params import Params

DAY_MS = 86_400_000
Handler = Callable[[Engine, Params, str], Any]


@dataclass(frozen=True)
class Endpoint:
    handler: Handler
    signed: bool = False


def _specs(engine: Engine, params: Params) -> tuple[list[MarketSpec], bool]:
    """The markets asked for and whether the answer is one object (`symbol=`) or a list."""
    symbols = params.symbols()
    if symbols is None:
        return list(engine.markets.values()), False
    return [engine.spec(s) for s in symbols], "symbol" in params


def _one_or_many(items: list[dict[str, Any]], single: bool) -> Any:
    return items[0] if single else items


# --- public ----------------------------------------------------------------------------------------


def ping(engine: Engine, params: Params, api_key: str) -> Any:
    return {}


def server_time(engine: Engine, params: Params, api_key: str) -> Any:
    return {"serverTime": engine.clock.now_ms()}


def exchange_info(engine: Engine, params: Params, api_key: str) -> Any:
    specs, _ = _specs(engine, params)
    return wire.exchange_info(specs, engine.clock.now_ms())


def ticker_24h(engine: Engine, params: Params, api_key: str) -> Any:
    specs, single = _specs(engine, params)
    now = engine.clock.now_ms()
    out = []
    with engine.lock:
        for spec in specs:
            bid, ask = engine.quote(spec.symbol)
            day = engine.board.books[spec.symbol].window(now - DAY_MS)
            last = engine.board.price(spec.symbol)
            out.append(
                wire.ticker_24h(spec, last=last, bid=bid, ask=ask, day=day, now=now, open_ms=now - DAY_MS)
            )
    return _one_or_many(out, single)


def ticker_price(engine: Engine, params: Params, api_key: str) -> Any:
    specs, single = _specs(engine, params)
    with engine.lock:
        out = [wire.price_ticker(spec, engine.board.price(spec.symbol)) for spec in specs]
    return _one_or_many(out, single)


def book_ticker(engine: Engine, params: Params, api_key: str) -> Any:
    specs, single = _specs(engine, params)
    with engine.lock:
        out = [wire.book_ticker(spec, *engine.quote(spec.symbol)) for spec in specs]
    return _one_or_many(out, single)


def avg_price(engine: Engine, params: Params, api_key: str) -> Any:
    spec = engine.spec((params.text("symbol", required=True) or "").upper())
    with engine.lock:
        price = engine.board.price(spec.symbol)
    return {"mins": 5, "price": fmt8(price), "closeTime": engine.clock.now_ms()}


def klines(engine: Engine, params: Params, api_key: str) -> Any:
    spec = engine.spec((params.text("symbol", required=True) or "").upper())
    interval = params.text("interval", required=True) or ""
    if interval not in INTERVAL_MINUTES:
        raise BinanceError(-1120, "Invalid interval.")
    limit = params.integer("limit", maximum=1000) or 500
    start, end = params.integer("startTime"), params.integer("endTime")
    with engine.lock:
        candles = engine.board.books[spec.symbol].klines(interval, start_ms=start, end_ms=end, limit=limit)
        return [wire.kline(c, interval) for c in candles]


def depth(engine: Engine, params: Params, api_key: str) -> Any:
    """A synthetic book around the bid and ask, one tick apart; sizes follow the liquidity cap
    when one is set, so what the book shows is roughly what a tick can fill."""
    spec = engine.spec((params.text("symbol", required=True) or "").upper())
    levels = min(params.integer("limit", maximum=5000) or 100, 1000)
    with engine.lock:
        bid, ask = engine.quote(spec.symbol)
        cap = engine.config.liquidity_per_tick
        update_id = engine.update_id
    bids, asks = [], []
    for i in range(levels):
        bid_price, ask_price = bid - spec.tick_size * i, ask + spec.tick_size * i
        if cap is not None:
            qty = floor_to(cap / levels / ask_price, spec.step_size)
        else:  # a varying, deterministic size worth a few thousand USDT
            qty = floor_to(Decimal(1000 + (i * 7919) % 5000) / ask_price, spec.step_size)
        qty = max(qty, spec.min_qty)
        if bid_price >= spec.tick_size:
            bids.append([fmt8(bid_price), fmt8(qty)])
        asks.append([fmt8(ask_price), fmt8(qty)])
    return {"lastUpdateId": update_id, "bids": bids, "asks": asks}


# --- signed ----------------------------------------------------------------------------------------


def account(engine: Engine, params: Params, api_key: str) -> Any:
    found = engine.account(api_key)
    if found is None:
        raise errors.bad_key()
    return wire.account(
        found,
        assets_of(engine.markets),
        omit_zero=(params.text("omitZeroBalances") or "").lower() == "true",
        now=engine.clock.now_ms(),
        maker_fee=engine.config.maker_fee,
        taker_fee=engine.config.taker_fee,
    )


def _order_request(params: Params) -> OrderRequest:
    symbol = (params.text("symbol", required=True) or "").upper()
    side = params.choice("side", Side, BinanceError(-1117, "Invalid side."), required=True)
    kind = params.choice("type", OrderType, BinanceError(-1116, "Invalid orderType."), required=True)
    tif = params.choice("timeInForce", TimeInForce, BinanceError(-1115, "Invalid timeInForce."))
    quantity, quote_qty, price = (
        params.decimal("quantity"),
        params.decimal("quoteOrderQty"),
        params.decimal("price"),
    )
    if kind == OrderType.MARKET:
        for name, value in (("price", price), ("timeInForce", tif)):
            if value is not None:
                raise errors.not_required(name)
        if quantity is not None and quote_qty is not None:
            raise errors.not_required("quoteOrderQty")
        if quantity is None and quote_qty is None:
            raise BinanceError(
                -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"
            )
    else:
        if kind == OrderType.LIMIT and tif is None:
            raise errors.mandatory("timeInForce")
        if kind == OrderType.LIMIT_MAKER and tif is not None:
            raise errors.not_required("timeInForce")
        if quote_qty is not None:
            raise errors.not_required("quoteOrderQty")
        params.decimal("quantity", required=True)
        params.decimal("price", required=True)
    return OrderRequest(
        symbol=symbol,
        side=side or Side.BUY,
        type=kind or OrderType.LIMIT,
        client_order_id=params.client_order_id("newClientOrderId") or uuid.uuid4().hex[:22],
        quantity=quantity,
        quote_order_qty=quote_qty,
        price=price,
        time_in_force=tif,
    )


def new_order(engine: Engine, params: Params, api_key: str) -> Any:
    request = _order_request(params)
    resp_type = (params.text("newOrderRespType") or "FULL").upper()
    if resp_type not in ("ACK", "RESULT", "FULL"):
        raise errors.illegal("newOrderRespType", "ACK, RESULT, FULL")
    return wire.order_created(engine.place_order(api_key, request), resp_type)


def _order_ref(params: Params) -> tuple[str, int | None, str | None]:
    symbol = (params.text("symbol", required=True) or "").upper()
    return symbol, params.integer("orderId"), params.text("origClientOrderId")


def get_order(engine: Engine, params: Params, api_key: str) -> Any:
    symbol, order_id, client_id = _order_ref(params)
    return wire.order(engine.get_order(api_key, symbol, order_id=order_id, client_order_id=client_id))


def cancel_order(engine: Engine, params: Params, api_key: str) -> Any:
    symbol, order_id, client_id = _order_ref(params)
    cancel_id = params.client_order_id("newClientOrderId") or uuid.uuid4().hex[:22]
    order = engine.cancel_order(api_key, symbol, order_id=order_id, client_order_id=client_id)
    return wire.order_canceled(order, cancel_id, engine.clock.now_ms())


def cancel_open_orders(engine: Engine, params: Params, api_key: str) -> Any:
    symbol = engine.spec((params.text("symbol", required=True) or "").upper()).symbol
    now = engine.clock.now_ms()
    with engine.lock:
        orders = engine.open_orders(api_key, symbol)
        if not orders:
            raise errors.unknown_order()
        canceled = [
            engine.cancel_order(api_key, symbol, order_id=o.order_id, client_order_id=None) for o in orders
        ]
    return [wire.order_canceled(o, uuid.uuid4().hex[:22], now) for o in canceled]


def open_orders(engine: Engine, params: Params, api_key: str) -> Any:
    symbol = params.text("symbol")
    return [wire.order(o) for o in engine.open_orders(api_key, symbol.upper() if symbol else None)]


def all_orders(engine: Engine, params: Params, api_key: str) -> Any:
    symbol = (params.text("symbol", required=True) or "").upper()
    found = engine.all_orders(
        api_key,
        symbol,
        from_id=params.integer("orderId"),
        start_ms=params.integer("startTime"),
        end_ms=params.integer("endTime"),
        limit=params.integer("limit", maximum=1000) or 500,
    )
    return [wire.order(o) for o in found]


def my_trades(engine: Engine, params: Params, api_key: str) -> Any:
    symbol = (params.text("symbol", required=True) or "").upper()
    found = engine.my_trades(
        api_key,
        symbol,
        order_id=params.integer("orderId"),
        from_id=params.integer("fromId"),
        start_ms=params.integer("startTime"),
        end_ms=params.integer("endTime"),
        limit=params.integer("limit", maximum=1000) or 500,
    )
    return [wire.trade(f) for f in found]


ROUTES: dict[tuple[str, str], Endpoint] = {
    ("GET", "/api/v3/ping"): Endpoint(ping),
    ("GET", "/api/v3/time"): Endpoint(server_time),
    ("GET", "/api/v3/exchangeInfo"): Endpoint(exchange_info),
    ("GET", "/api/v3/ticker/24hr"): Endpoint(ticker_24h),
    ("GET", "/api/v3/ticker/price"): Endpoint(ticker_price),
    ("GET", "/api/v3/ticker/bookTicker"): Endpoint(book_ticker),
    ("GET", "/api/v3/avgPrice"): Endpoint(avg_price),
    ("GET", "/api/v3/klines"): Endpoint(klines),
    ("GET", "/api/v3/uiKlines"): Endpoint(klines),
    ("GET", "/api/v3/depth"): Endpoint(depth),
    ("GET", "/api/v3/account"): Endpoint(account, signed=True),
    ("POST", "/api/v3/order"): Endpoint(new_order, signed=True),
    ("GET", "/api/v3/order"): Endpoint(get_order, signed=True),
    ("DELETE", "/api/v3/order"): Endpoint(cancel_order, signed=True),
    ("GET", "/api/v3/openOrders"): Endpoint(open_orders, signed=True),
    ("DELETE", "/api/v3/openOrders"): Endpoint(cancel_open_orders, signed=True),
    ("GET", "/api/v3/allOrders"): Endpoint(all_orders, signed=True),
    ("GET", "/api/v3/myTrades"): Endpoint(my_trades, signed=True),
}
