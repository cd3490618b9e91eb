"""Kotak holdings, positions and limits as the equities dataclasses, in Decimal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from brokers.adapters.equities import Funds, Holding, Position

from .numbers import amount, dec
from .orders import product_of

NSE_CASH = "nse_cm"


def holdings_from_rows(rows: list[dict[str, Any]], *, symbol_for: Callable[[str], str]) -> list[Holding]:
    """One holding per stock: Kotak lists a stock once per exchange (`isAlternateScrip` marks
    the BSE twin of an NSE holding), so only the primary rows count."""
    holdings = []
    for row in rows:
        if str(row.get("isAlternateScrip", "false")).lower() == "true":
            continue
        quantity = amount(row.get("quantity"))
        sellable = dec(row.get("sellableQuantity"), None)
        holdings.append(
            Holding(
                symbol=symbol_for(str(row.get("displaySymbol") or row.get("symbol") or "")),
                quantity=quantity,
                sellable_quantity=quantity if sellable is None else sellable,
                average_price=amount(row.get("averagePrice")),
                last_price=dec(row.get("closingPrice") or row.get("ltp"), None),
            )
        )
    return holdings


def positions_from_rows(rows: list[dict[str, Any]], *, symbol_for: Callable[[str], str]) -> list[Position]:
    """Today's trades per (stock, product): Kotak's `fl*` fields are today's fills (`cf*` are
    carried forward from earlier days, which for delivery shares are holdings)."""
    positions = []
    for row in rows:
        if str(row.get("exSeg", NSE_CASH)) != NSE_CASH:
            continue
        positions.append(
            Position(
                symbol=symbol_for(str(row.get("trdSym") or row.get("sym") or "")),
                product=product_of(row),
                buy_quantity=amount(row.get("flBuyQty")),
                sell_quantity=amount(row.get("flSellQty")),
                buy_amount=amount(row.get("buyAmt")),
                sell_amount=amount(row.get("sellAmt")),
                last_price=dec(row.get("ltp") or row.get("lastPrice"), None),
            )
        )
    return positions


def funds_from_limits(body: dict[str, Any]) -> Funds:
    """`Net` is what new orders may use; `MarginUsed` what open orders and today's trades hold."""
    return Funds(
        available_cash=amount(body.get("Net")),
        used_margin=amount(body.get("MarginUsed")),
        collateral=amount(body.get("CollateralValue") or body.get("Collateral")),
    )
