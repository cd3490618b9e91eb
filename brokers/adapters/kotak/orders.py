"""Kotak order-book and trade-report rows as `EquityOrder` and `Trade`. The broker's own status
word and refusal reason are kept verbatim (the trader reads them); `status` is ours."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from brokers.adapters.base import OrderStatus, OrderType, Side, Trade
from brokers.adapters.equities import CURRENCY, EquityOrder, Product

from .numbers import amount, dec, epoch_time, ist_time

_CLOSED = {"complete", "completed", "traded", "fully executed", "executed", "filled"}
_CANCELED = {"cancelled", "canceled", "cancelled amo"}
_REJECTED = {"rejected"}
_EXPIRED = {"expired", "lapsed"}
# Kotak's words for an order that waits for the next open (an AMO) rather than the market now.
_AMO_WORDS = ("after market", "amo")
SIDES = {Side.BUY: "B", Side.SELL: "S"}
PRICE_TYPES = {OrderType.MARKET: "MKT", OrderType.LIMIT: "L"}


def order_status(word: str) -> OrderStatus:
    """Kotak's status word as ours; anything not final (open, open pending, validation pending,
    after market order req received, modified, trigger pending...) is a resting order."""
    text = word.strip().lower()
    if text in _CLOSED:
        return OrderStatus.CLOSED
    if text in _CANCELED or (text.startswith("cancel") and "pending" not in text):
        return OrderStatus.CANCELED
    if text in _REJECTED:
        return OrderStatus.REJECTED
    if text in _EXPIRED:
        return OrderStatus.EXPIRED
    return OrderStatus.OPEN


def side_of(row: dict[str, Any]) -> Side:
    return Side.SELL if str(row.get("trnsTp", "")).strip().upper() in ("S", "SELL") else Side.BUY


def order_type_of(row: dict[str, Any]) -> OrderType:
    return (
        OrderType.MARKET if str(row.get("prcTp", "")).strip().upper() in ("MKT", "SL-M") else OrderType.LIMIT
    )


def product_of(row: dict[str, Any]) -> Product:
    return Product.MIS if str(row.get("prod", "")).strip().upper() in ("MIS", "INTRADAY") else Product.CNC


def is_amo(row: dict[str, Any]) -> bool:
    """Kotak marks an after-market order with `ordGenTp: "AMO"` (and, until the open, the
    status "after market order req received")."""
    if str(row.get("ordGenTp", "")).strip().upper() == "AMO":
        return True
    word = str(row.get("ordSt", "")).lower()
    return any(w in word for w in _AMO_WORDS)


def order_from_row(row: dict[str, Any], *, symbol: str, client_order_id: str) -> EquityOrder:
    """`symbol` is our NSE symbol for the row's trading symbol; `client_order_id` the one we
    know for it (the echoed tag, or the one an earlier lookup matched)."""
    filled = amount(row.get("fldQty"))
    word = str(row.get("ordSt", "")).strip()
    kind = order_type_of(row)
    average = dec(row.get("avgPrc"), None)
    created = ist_time(row.get("ordDtTm")) or epoch_time(row.get("boeSec"))
    return EquityOrder(
        id=str(row.get("nOrdNo", "")),
        client_order_id=client_order_id,
        symbol=symbol,
        side=side_of(row),
        type=kind,
        status=order_status(word),
        amount=amount(row.get("qty")),
        filled=filled,
        price=None if kind == OrderType.MARKET else dec(row.get("prc"), None),
        average=average if average else None,
        fee_asset=CURRENCY,
        created_at=created,
        updated_at=ist_time(row.get("hsUpTm")) or created,
        product=product_of(row),
        amo=is_amo(row),
        broker_status=word,
        reject_reason=_reason(row),
    )


def _reason(row: dict[str, Any]) -> str:
    reason = str(row.get("rejRsn") or "").strip()
    return "" if reason in ("--", "NA") else reason


def trade_from_row(row: dict[str, Any], *, symbol: str) -> Trade | None:
    """None for a row without a fill time (never seen; such a row cannot be placed in time)."""
    executed = (
        ist_time(row.get("exTm"))
        or ist_time(f"{row.get('flDt', '')} {row.get('flTm', '')}")
        or epoch_time(row.get("boeSec"))
    )
    if executed is None:
        return None
    return Trade(
        id=str(row.get("flId") or f"{row.get('nOrdNo', '')}-{row.get('flLeg', '')}"),
        order_id=str(row.get("nOrdNo", "")),
        symbol=symbol,
        side=side_of(row),
        price=amount(row.get("avgPrc")),
        amount=amount(row.get("fldQty")),
        fee=Decimal(0),  # Kotak's trade report carries no charges; the contract note does
        fee_asset=CURRENCY,
        executed_at=executed,
    )
