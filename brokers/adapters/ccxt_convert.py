"""ccxt structures -> the adapter's typed dataclasses, in Decimal.

ccxt parses the exchange's decimal strings into floats in its unified fields. `Decimal(str(f))`
recovers the exchange's string exactly for up to 15 significant digits (Python prints the
shortest repr that round-trips); beyond that a float has already lost digits. So for the
binance family (and the simulator, which speaks binance) the raw strings in `info` are read
first, and the unified float fields are the fallback for every other exchange.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .base import Balance, Candle, Market, Order, OrderStatus, OrderType, Side, Ticker, Trade

# ccxt.base.decimal_to_precision constants (not re-exported by the package root in every version).
DECIMAL_PLACES = 2
SIGNIFICANT_DIGITS = 3
TICK_SIZE = 4

_STATUSES = {
    "open": OrderStatus.OPEN,
    "canceling": OrderStatus.OPEN,  # still on the book until the exchange confirms
    "closed": OrderStatus.CLOSED,
    "canceled": OrderStatus.CANCELED,
    "cancelled": OrderStatus.CANCELED,
    "rejected": OrderStatus.REJECTED,
    "expired": OrderStatus.EXPIRED,
}


def dec(value: Any) -> Decimal | None:
    """A Decimal from what ccxt hands over (str, int, float or None); never Decimal(float)."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return Decimal(repr(value))
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def dec0(value: Any) -> Decimal:
    return dec(value) or Decimal(0)


def first_dec(*values: Any) -> Decimal | None:
    for value in values:
        if (d := dec(value)) is not None:
            return d
    return None


def when(ms: Any) -> datetime | None:
    return datetime.fromtimestamp(int(ms) / 1000, tz=UTC) if ms not in (None, "") else None


def _norm(value: Decimal | None) -> Decimal | None:
    """Binance pads to 8 places ("0.01000000"): 0.01 is the same tick and reads better. Whole
    numbers stay plain (normalize() would write 9000 as 9E+3)."""
    if value is None or value == 0:
        return value
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _binance_filters(info: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f.get("filterType", ""): f for f in info.get("filters", []) if isinstance(f, dict)}


def _increment(precision: Any, mode: int) -> Decimal | None:
    """ccxt's `precision` entry as an increment, whatever the exchange's precision mode."""
    value = dec(precision)
    if value is None:
        return None
    if mode == TICK_SIZE:
        return value
    if mode == DECIMAL_PLACES:
        return Decimal(1).scaleb(-int(value))
    return None  # SIGNIFICANT_DIGITS has no fixed increment; the caller falls back


def market_from_ccxt(m: dict[str, Any], *, precision_mode: int, binance_raw: bool) -> Market:
    precision = m.get("precision") or {}
    limits = m.get("limits") or {}
    tick = _increment(precision.get("price"), precision_mode)
    step = _increment(precision.get("amount"), precision_mode)
    min_qty = dec((limits.get("amount") or {}).get("min"))
    max_qty = dec((limits.get("amount") or {}).get("max"))
    min_notional = dec((limits.get("cost") or {}).get("min"))
    if binance_raw:
        filters = _binance_filters(m.get("info") or {})
        tick = dec(filters.get("PRICE_FILTER", {}).get("tickSize")) or tick
        lot = filters.get("LOT_SIZE", {})
        step = dec(lot.get("stepSize")) or step
        min_qty = dec(lot.get("minQty")) if lot.get("minQty") is not None else min_qty
        max_qty = dec(lot.get("maxQty")) if lot.get("maxQty") is not None else max_qty
        notional = filters.get("NOTIONAL") or filters.get("MIN_NOTIONAL") or {}
        min_notional = dec(notional.get("minNotional")) if notional.get("minNotional") else min_notional
    # Unknown increments (significant-digit exchanges): 1e-8 is the finest any spot venue uses,
    # so it never rounds a valid value away; the exchange still has the last word.
    tick = _norm(tick) or Decimal("0.00000001")
    step = _norm(step) or Decimal("0.00000001")
    return Market(
        symbol=m["symbol"],
        exchange_symbol=str(m.get("id") or m["symbol"].replace("/", "")),
        base=m.get("base", ""),
        quote=m.get("quote", ""),
        tick_size=tick,
        step_size=step,
        min_qty=_norm(min_qty) or Decimal(0),
        min_notional=_norm(min_notional) or Decimal(0),
        max_qty=_norm(max_qty) if max_qty else None,
        active=m.get("active") is not False,
    )


# --- tickers: JSON for the shared cache, then the dataclass -------------------------------------


def ticker_json(t: dict[str, Any], *, binance_raw: bool) -> dict[str, Any]:
    info = (t.get("info") or {}) if binance_raw else {}
    last = first_dec(info.get("lastPrice"), t.get("last"), t.get("close"))
    bid = first_dec(info.get("bidPrice"), t.get("bid"))
    ask = first_dec(info.get("askPrice"), t.get("ask"))
    if last is None:
        # A market without trades yet: the mid of the book is the best "last" there is.
        last = (bid + ask) / 2 if bid is not None and ask is not None else bid or ask
    ts = t.get("timestamp") or int(datetime.now(tz=UTC).timestamp() * 1000)
    return {
        "symbol": t["symbol"],
        "last": str(last) if last is not None else None,
        "bid": str(bid) if bid is not None else None,
        "ask": str(ask) if ask is not None else None,
        "timestamp": int(ts),
    }


def ticker_from_json(data: dict[str, Any]) -> Ticker:
    return Ticker(
        symbol=data["symbol"],
        last=Decimal(data["last"]),
        bid=dec(data.get("bid")),
        ask=dec(data.get("ask")),
        timestamp=when(data["timestamp"]) or datetime.now(tz=UTC),
    )


def candle_from_ccxt(row: list[Any]) -> Candle:
    ts, o, h, low, c, v = row[:6]
    return Candle(
        opened_at=when(ts),  # type: ignore[arg-type]  # ccxt always sends the open time
        open=dec0(o),
        high=dec0(h),
        low=dec0(low),
        close=dec0(c),
        volume=dec0(v),
    )


# --- account -----------------------------------------------------------------------------------


def balances_from_ccxt(b: dict[str, Any], *, binance_raw: bool) -> dict[str, Balance]:
    """Assets with something in them (binance lists hundreds of empty ones)."""
    result: dict[str, Balance] = {}
    raw = (b.get("info") or {}).get("balances") if binance_raw else None
    if isinstance(raw, list):
        for row in raw:
            free, used = dec0(row.get("free")), dec0(row.get("locked"))
            if free or used:
                result[row["asset"]] = Balance(asset=row["asset"], free=free, used=used)
        return result
    free_map, used_map = b.get("free") or {}, b.get("used") or {}
    for asset in set(free_map) | set(used_map):
        free, used = dec0(free_map.get(asset)), dec0(used_map.get(asset))
        if free or used:
            result[asset] = Balance(asset=asset, free=free, used=used)
    return result


def _fee(o: dict[str, Any], info: dict[str, Any], *, binance_raw: bool) -> tuple[Decimal, str]:
    fills = info.get("fills") if binance_raw else None
    if isinstance(fills, list) and fills:
        asset = fills[0].get("commissionAsset", "")
        total = sum(
            (dec0(f.get("commission")) for f in fills if f.get("commissionAsset") == asset), Decimal(0)
        )
        return total, asset
    fees = [f for f in (o.get("fees") or []) if f and f.get("cost") is not None]
    if not fees and o.get("fee") and o["fee"].get("cost") is not None:
        fees = [o["fee"]]
    if not fees:
        return Decimal(0), ""
    asset = fees[0].get("currency") or ""
    return sum((dec0(f.get("cost")) for f in fees if (f.get("currency") or "") == asset), Decimal(0)), asset


def order_from_ccxt(o: dict[str, Any], *, binance_raw: bool, client_order_id: str = "") -> Order:
    info = (o.get("info") or {}) if binance_raw else {}
    amount = first_dec(info.get("origQty"), o.get("amount")) or Decimal(0)
    filled = first_dec(info.get("executedQty"), o.get("filled")) or Decimal(0)
    quote_spent = dec(info.get("cummulativeQuoteQty"))
    average = quote_spent / filled if quote_spent is not None and filled else dec(o.get("average"))
    order_type = OrderType.MARKET if (o.get("type") or "").lower() == "market" else OrderType.LIMIT
    price = first_dec(info.get("price"), o.get("price")) if order_type == OrderType.LIMIT else None
    fee, fee_asset = _fee(o, info, binance_raw=binance_raw)
    # A binance cancel answer's clientOrderId is the cancel request's own id; the order's is
    # origClientOrderId.
    cid = info.get("origClientOrderId") or o.get("clientOrderId") or client_order_id
    status = _STATUSES.get((o.get("status") or "open").lower(), OrderStatus.OPEN)
    return Order(
        id=str(o.get("id")),
        client_order_id=str(cid or ""),
        symbol=o.get("symbol") or "",
        side=Side((o.get("side") or "buy").lower()),
        type=order_type,
        status=status,
        amount=amount,
        filled=filled,
        price=price if price else None,
        average=average if average else None,
        fee=fee,
        fee_asset=fee_asset,
        created_at=when(o.get("timestamp")),
        updated_at=when(o.get("lastUpdateTimestamp") or o.get("lastTradeTimestamp") or o.get("timestamp")),
    )


def trade_from_ccxt(t: dict[str, Any], *, binance_raw: bool) -> Trade:
    info = (t.get("info") or {}) if binance_raw else {}
    fee = t.get("fee") or {}
    return Trade(
        id=str(t.get("id")),
        order_id=str(t.get("order") or ""),
        symbol=t.get("symbol") or "",
        side=Side((t.get("side") or "buy").lower()),
        price=first_dec(info.get("price"), t.get("price")) or Decimal(0),
        amount=first_dec(info.get("qty"), t.get("amount")) or Decimal(0),
        fee=first_dec(info.get("commission"), fee.get("cost")) or Decimal(0),
        fee_asset=str(info.get("commissionAsset") or fee.get("currency") or ""),
        executed_at=when(t.get("timestamp")) or datetime.now(tz=UTC),
    )


def flag(value: Any) -> bool | None:
    """An exchange's yes/no (bool, "true", 1), or None when it says nothing."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)
