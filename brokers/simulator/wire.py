"""Binance spot's JSON shapes, field for field as ccxt's binance parser reads them.

Numbers go out as strings with 8 decimals, as Binance writes them; ids and times as integers."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from .accounts import Account
from .candles import INTERVAL_MINUTES, MINUTE_MS, Candle
from .markets import MarketSpec, fmt8
from .orders import Fill, Order, OrderType

ZERO = Decimal(0)
RATE_LIMITS = [
    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
    {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
    {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 200000},
]


def symbol_info(spec: MarketSpec) -> dict[str, Any]:
    return {
        "symbol": spec.symbol,
        "status": "TRADING",
        "baseAsset": spec.base,
        "baseAssetPrecision": 8,
        "quoteAsset": spec.quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        # Only what the engine implements, so ccxt refuses other types before sending them.
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"],
        "icebergAllowed": False,
        "ocoAllowed": False,
        "otoAllowed": False,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": False,
        "cancelReplaceAllowed": False,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": fmt8(spec.min_price),
                "maxPrice": fmt8(spec.max_price),
                "tickSize": fmt8(spec.tick_size),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": fmt8(spec.min_qty),
                "maxQty": fmt8(spec.max_qty),
                "stepSize": fmt8(spec.step_size),
            },
            {
                "filterType": "NOTIONAL",
                "minNotional": fmt8(spec.min_notional),
                "applyMinToMarket": True,
                "maxNotional": fmt8(spec.max_notional),
                "applyMaxToMarket": False,
                "avgPriceMins": 5,
            },
            {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
        ],
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
    }


def exchange_info(specs: Sequence[MarketSpec], server_time: int) -> dict[str, Any]:
    return {
        "timezone": "UTC",
        "serverTime": server_time,
        "rateLimits": RATE_LIMITS,
        "exchangeFilters": [],
        "symbols": [symbol_info(spec) for spec in specs],
    }


def fill(f: Fill) -> dict[str, Any]:
    """An entry of `fills` in the answer to POST /order (newOrderRespType FULL)."""
    return {
        "price": fmt8(f.price),
        "qty": fmt8(f.qty),
        "commission": fmt8(f.commission),
        "commissionAsset": f.commission_asset,
        "tradeId": f.trade_id,
    }


def _order_core(o: Order) -> dict[str, Any]:
    return {
        "symbol": o.symbol,
        "orderId": o.order_id,
        "orderListId": -1,
        "clientOrderId": o.client_order_id,
        "price": fmt8(o.price),
        "origQty": fmt8(o.orig_qty),
        "executedQty": fmt8(o.executed_qty),
        "cummulativeQuoteQty": fmt8(o.cum_quote),  # sic: Binance's spelling
        "status": o.status.value,
        "timeInForce": (o.time_in_force.value if o.time_in_force else "GTC"),
        "type": o.type.value,
        "side": o.side.value,
    }


def order_created(o: Order, resp_type: str) -> dict[str, Any]:
    """The answer to POST /order in Binance's ACK, RESULT or FULL shape."""
    if resp_type == "ACK":
        return {
            "symbol": o.symbol,
            "orderId": o.order_id,
            "orderListId": -1,
            "clientOrderId": o.client_order_id,
            "transactTime": o.created_ms,
        }
    out = _order_core(o)
    out.update(
        transactTime=o.created_ms,
        workingTime=o.created_ms,
        origQuoteOrderQty=fmt8(o.orig_quote_qty),
        selfTradePreventionMode="NONE",
    )
    if resp_type == "FULL":
        out["fills"] = [fill(f) for f in o.fills]
    return out


def order(o: Order) -> dict[str, Any]:
    """GET /order, /openOrders and /allOrders."""
    out = _order_core(o)
    out.update(
        stopPrice=fmt8(ZERO),
        icebergQty=fmt8(ZERO),
        time=o.created_ms,
        updateTime=o.updated_ms,
        isWorking=o.type != OrderType.MARKET,
        workingTime=o.created_ms,
        origQuoteOrderQty=fmt8(o.orig_quote_qty),
        selfTradePreventionMode="NONE",
    )
    return out


def order_canceled(o: Order, cancel_client_id: str, now: int) -> dict[str, Any]:
    """DELETE /order: Binance reports the order's own id as `origClientOrderId` and the cancel
    request's id as `clientOrderId` (which ccxt then shows as the order's clientOrderId)."""
    out = _order_core(o)
    out.update(
        origClientOrderId=o.client_order_id,
        clientOrderId=cancel_client_id,
        transactTime=now,
        origQuoteOrderQty=fmt8(o.orig_quote_qty),
        selfTradePreventionMode="NONE",
    )
    return out


def trade(f: Fill) -> dict[str, Any]:
    """GET /myTrades."""
    return {
        "symbol": f.symbol,
        "id": f.trade_id,
        "orderId": f.order_id,
        "orderListId": -1,
        "price": fmt8(f.price),
        "qty": fmt8(f.qty),
        "quoteQty": fmt8(f.quote_qty),
        "commission": fmt8(f.commission),
        "commissionAsset": f.commission_asset,
        "time": f.time_ms,
        "isBuyer": f.side.value == "BUY",
        "isMaker": f.is_maker,
        "isBestMatch": True,
    }


def account(
    a: Account, assets: Sequence[str], *, omit_zero: bool, now: int, maker_fee: Decimal, taker_fee: Decimal
) -> dict[str, Any]:
    names = list(dict.fromkeys([*assets, *a.balances]))
    balances = []
    for asset in names:
        b = a.balances.get(asset)
        free, locked = (b.free, b.locked) if b else (ZERO, ZERO)
        if omit_zero and not (free or locked):
            continue
        balances.append({"asset": asset, "free": fmt8(free), "locked": fmt8(locked)})
    return {
        "makerCommission": int(maker_fee * 10000),  # Binance counts in basis points here
        "takerCommission": int(taker_fee * 10000),
        "buyerCommission": 0,
        "sellerCommission": 0,
        "commissionRates": {
            "maker": fmt8(maker_fee),
            "taker": fmt8(taker_fee),
            "buyer": fmt8(ZERO),
            "seller": fmt8(ZERO),
        },
        "canTrade": a.can_trade,
        "canWithdraw": a.can_withdraw,
        "canDeposit": True,
        "brokered": False,
        "requireSelfTradePrevention": False,
        "preventSor": False,
        "updateTime": a.updated_ms or now,
        "accountType": "SPOT",
        "balances": balances,
        "permissions": ["SPOT"],
        "uid": zlib.crc32(a.api_key.encode()),
    }


def kline(c: Candle, interval: str) -> list[Any]:
    close_time = c.open_ms + INTERVAL_MINUTES[interval] * MINUTE_MS - 1
    half = c.volume / 2
    return [
        c.open_ms,
        fmt8(c.open),
        fmt8(c.high),
        fmt8(c.low),
        fmt8(c.close),
        fmt8(c.volume),
        close_time,
        fmt8(c.quote_volume),
        c.trades,
        fmt8(half),  # taker buy base volume: the simulator has no aggressor side, so half
        fmt8(c.quote_volume / 2),
        "0",
    ]


def ticker_24h(
    spec: MarketSpec, *, last: Decimal, bid: Decimal, ask: Decimal, day: Candle | None, now: int, open_ms: int
) -> dict[str, Any]:
    open_price = day.open if day else last
    change = last - open_price
    percent = (change * 100 / open_price).quantize(Decimal("0.001")) if open_price else ZERO
    volume = day.volume if day else ZERO
    quote_volume = day.quote_volume if day else ZERO
    return {
        "symbol": spec.symbol,
        "priceChange": fmt8(change),
        "priceChangePercent": str(percent),
        "weightedAvgPrice": fmt8(quote_volume / volume if volume else last),
        "prevClosePrice": fmt8(open_price),
        "lastPrice": fmt8(last),
        "lastQty": fmt8(ZERO),
        "bidPrice": fmt8(bid),
        "bidQty": fmt8(spec.min_qty * 1000),
        "askPrice": fmt8(ask),
        "askQty": fmt8(spec.min_qty * 1000),
        "openPrice": fmt8(open_price),
        "highPrice": fmt8(max(day.high, last) if day else last),
        "lowPrice": fmt8(min(day.low, last) if day else last),
        "volume": fmt8(volume),
        "quoteVolume": fmt8(quote_volume),
        "openTime": open_ms,
        "closeTime": now,
        "firstId": 0,
        "lastId": day.trades if day else 0,
        "count": day.trades if day else 0,
    }


def book_ticker(spec: MarketSpec, bid: Decimal, ask: Decimal) -> dict[str, Any]:
    qty = fmt8(spec.min_qty * 1000)
    return {"symbol": spec.symbol, "bidPrice": fmt8(bid), "bidQty": qty, "askPrice": fmt8(ask), "askQty": qty}


def price_ticker(spec: MarketSpec, price: Decimal) -> dict[str, Any]:
    return {"symbol": spec.symbol, "price": fmt8(price)}
