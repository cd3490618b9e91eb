"""The simulator's state in Kotak's field names (docs/reference/kotak-neo-wire.md shows each)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .accounts import Account, Holding, Position
from .market import Quote
from .orders import AMO_RECEIVED, Fill, Order
from .symbols import SEGMENT, ScripSpec
from .wire import ist_date, ist_datetime, ist_slashed, ist_time, money, number

_SCRIP_CONSTANTS = {
    "lotSz": "1",
    "brdLtQty": "1",
    "series": "EQ",
    "multiplier": "1",
    "precision": "2",
    "genNum": "1",
    "genDen": "1",
    "prcNum": "1",
    "prcDen": "1",
    "optTp": "XX",
    "stkPrc": "0.00",
    "expDt": "NA",
}


def _scrip(spec: ScripSpec) -> dict[str, Any]:
    return {"trdSym": spec.trading_symbol, "sym": spec.symbol, "tok": spec.token, "exSeg": SEGMENT}


def order_row(order: Order, *, status: str | None = None, reason: str | None = None) -> dict[str, Any]:
    return {
        "nOrdNo": order.number,
        "ordSt": status or order.status,
        "rejRsn": order.reject_reason if reason is None else reason,
        **_scrip(order.spec),
        "trnsTp": order.side,
        "prod": order.product,
        "prcTp": order.order_type,
        "vldt": order.validity,
        "qty": order.quantity,
        "fldQty": order.filled,
        "unFldSz": order.remaining if order.live else 0,
        "cnlQty": order.cancelled_qty,
        "prc": money(order.price),
        "trgPrc": money(order.trigger),
        "avgPrc": money(order.avg_price),
        "ordDtTm": ist_datetime(order.created_ms),
        "hsUpTm": ist_slashed(order.updated_ms),
        "exCfmTm": ist_datetime(order.updated_ms),
        "ordGenTp": "AMO" if order.amo else "NA",
        "GuiOrdId": order.gui_id,
        "tckSz": str(order.spec.tick),
        "exOrdId": order.exchange_id if order.status != AMO_RECEIVED else "NA",
        "ordSrc": "NEOTRADEAPI",
        "usrId": order.ucc,
        "stat": "Ok",
        "boeSec": order.created_ms // 1000,
        "rmk": "--",
        "mktPro": "0.00",
        "dscQty": 0,
        "algId": "NA",
        "brkClnt": "--",
        "ordValDt": "NA",
        **_SCRIP_CONSTANTS,
    }


def history_rows(order: Order) -> list[dict[str, Any]]:
    rows = []
    for entry in reversed(order.history):
        row = order_row(order, status=entry["status"], reason=entry["reason"])
        row["flDtTm"] = ist_datetime(entry["at_ms"])
        rows.append(row)
    return rows


def trade_row(fill: Fill) -> dict[str, Any]:
    order = fill.order
    return {
        "nOrdNo": order.number,
        **_scrip(order.spec),
        "trnsTp": order.side,
        "prod": order.product,
        "prcTp": order.order_type,
        "ordDur": order.validity,
        "fldQty": fill.quantity,
        "avgPrc": money(fill.price),
        "flDt": ist_date(fill.at_ms),
        "flTm": ist_time(fill.at_ms),
        "exTm": ist_datetime(fill.at_ms),
        "flId": fill.fill_id,
        "flLeg": 1,
        "exOrdId": order.exchange_id,
        "GuiOrdId": order.gui_id,
        "actId": order.ucc,
        "usrId": order.ucc,
        "rptTp": "fill",
        "hsUpTm": ist_slashed(fill.at_ms),
        "boeSec": fill.at_ms // 1000,
        **_SCRIP_CONSTANTS,
    }


def position_row(ucc: str, spec: ScripSpec, product: str, position: Position) -> dict[str, Any]:
    return {
        "actId": ucc,
        "prod": product,
        **_scrip(spec),
        "qty": str(position.net),
        "flBuyQty": str(position.buy_qty),
        "flSellQty": str(position.sell_qty),
        "buyAmt": money(position.buy_amount),
        "sellAmt": money(position.sell_amount),
        "cfBuyQty": "0",
        "cfSellQty": "0",
        "cfBuyAmt": "0.00",
        "cfSellAmt": "0.00",
        "posFlg": "true" if position.net else "false",
        "sqrFlg": "Y",
        "type": "EQ",
        "hsUpTm": ist_slashed(position.updated_ms),
        **_SCRIP_CONSTANTS,
        "brdLtQty": 1,
    }


def holding_row(account: Account, quote: Quote, holding: Holding) -> dict[str, Any]:
    spec = quote.spec
    cost = (holding.average_price * holding.quantity).quantize(Decimal("0.01"))
    value = quote.price() * holding.quantity
    sellable = max(0, holding.quantity - account.pending_cnc_sells(spec.symbol))
    return {
        "instrumentType": "Equity",
        "sector": "Others",
        "instrumentToken": number(int(spec.token)),
        "commonScripCode": spec.symbol,
        "instrumentName": spec.name,
        "quantity": number(holding.quantity),
        "averagePrice": number(holding.average_price.quantize(Decimal("0.0001"))),
        "holdingCost": number(cost),
        "closingPrice": number(quote.price()),
        "mktValue": number(value),
        "scripId": "",
        "isAlternateScrip": "",
        "unrealisedGainLoss": number(value - cost),
        "sqGainLoss": number(0),
        "delGainLoss": number(0),
        "subTotal": number(0),
        "prevDayLtp": number(quote.price(quote.prev_close)),
        "subType": "EQUITY",
        "instrumentStatus": "ACTV",
        "marketLot": number(1),
        "expiryDate": "",
        "optType": "",
        "strikePrice": "0.00",
        "symbol": spec.symbol,
        "displaySymbol": spec.symbol,
        "exchangeSegment": SEGMENT,
        "series": "EQ",
        "exchangeIdentifier": spec.token,
        "sellableQuantity": number(sellable),
        "securityType": "EQUITY STOCK",
        "securitySubType": "EQUITY STOCK",
        "logoUrl": "",
        "cmotCode": "",
    }


def limits(account: Account) -> dict[str, Any]:
    zero = "0.00"
    blocked = money(account.blocked)
    return {
        "Category": "CLIENT",
        "EntityId": f"account-{account.ucc}",
        "BoardLotLimit": "5000",
        "Net": money(account.available),
        "CollateralValue": money(account.cash),
        "NotionalCash": money(account.cash),
        "MarginUsed": blocked,
        "AmountUtilizedPrsnt": blocked,
        **dict.fromkeys(
            (
                "AdhocMargin",
                "SpanMarginPrsnt",
                "ExposureMarginPrsnt",
                "UnrealizedMtomPrsnt",
                "RealizedMtomPrsnt",
                "SpecialMarginPrsnt",
                "PremiumPrsnt",
                "MarginVarPrsnt",
                "CncSellcrdPresent",
            ),
            zero,
        ),
        "stCode": 200,
        "stat": "Ok",
    }
