"""The paper exchange's matching engine: place, fill, cancel and match orders on the paper ledger.

Every state change runs in one `transaction.atomic()` that first locks the account row and then
the balance rows it touches (`select_for_update`, in asset order). The account lock serialises
all order activity of one account, which is what makes the client-order-id check race-free for
market orders (they are closed before a concurrent twin could see them open); the balance locks
guard the funds against every other writer (funding). Market data is fetched by the caller
*before* the transaction: no row is locked while waiting on the network.

Fills are whole: a ticker says nothing about the size available at the best price, so a paper
order fills its full amount or not at all. Fees are charged in the market's quote asset.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet

from . import paper_math as pm
from .adapters.base import Balance, Market, Order, OrderStatus, OrderType, Side, Ticker, Trade
from .errors import InsufficientFunds, InvalidOrder, OrderNotFound
from .paper_math import plain
from .paper_models import PaperAccount, PaperBalance, PaperOrder, PaperTrade
from .precision import PrecisionError, check_order

logger = logging.getLogger(__name__)

EXCHANGE = "paper"
# What a paper account without a `price_source` fills against (as brokers.adapters.registry does).
DEFAULT_PRICE_SOURCE = "simulator"
# A retry with the client order id of one of these gets that order back. A canceled order's id
# may be used again, as on Binance, where ids are unique among open orders only.
_IDEMPOTENT_STATUSES = (PaperOrder.Status.OPEN, PaperOrder.Status.CLOSED)


# --- reading ------------------------------------------------------------------------------------


def to_order(order: PaperOrder) -> Order:
    return Order(
        id=str(order.pk),
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        side=Side(order.side),
        type=OrderType(order.type),
        status=OrderStatus(order.status),
        amount=plain(order.amount) or Decimal(0),
        filled=plain(order.filled) or Decimal(0),
        price=plain(order.price),
        average=plain(order.average),
        fee=plain(order.fee) or Decimal(0),
        fee_asset=order.fee_asset,
        created_at=order.created_at,
        updated_at=order.updated_at,
    )


def to_balance(row: PaperBalance) -> Balance:
    return Balance(asset=row.asset, free=plain(row.free) or Decimal(0), used=plain(row.locked) or Decimal(0))


def to_trade(trade: PaperTrade) -> Trade:
    return Trade(
        id=str(trade.pk),
        order_id=str(trade.order_id),
        symbol=trade.order.symbol,
        side=Side(trade.order.side),
        price=plain(trade.price) or Decimal(0),
        amount=plain(trade.amount) or Decimal(0),
        fee=plain(trade.fee) or Decimal(0),
        fee_asset=trade.fee_asset,
        executed_at=trade.executed_at,
    )


def open_orders(*, account: PaperAccount, symbol: str | None = None) -> QuerySet[PaperOrder]:
    orders = PaperOrder.objects.filter(account=account, status=PaperOrder.Status.OPEN)
    return orders.filter(symbol=symbol) if symbol else orders


def resting_symbols(*, account: PaperAccount) -> set[str]:
    """Symbols with resting limit orders: the only prices matching needs."""
    return set(
        open_orders(account=account).filter(type=PaperOrder.Type.LIMIT).values_list("symbol", flat=True)
    )


def resting_symbols_by_price_source() -> dict[str, set[str]]:
    """For the fill monitor: which symbols to price on which exchange, once per tick for all
    paper accounts (a cost that grows with symbols, not users)."""
    rows = (
        PaperOrder.objects.filter(status=PaperOrder.Status.OPEN, type=PaperOrder.Type.LIMIT)
        .values_list("account__config__price_source", "symbol")
        .distinct()
    )
    wanted: dict[str, set[str]] = {}
    for source, symbol in rows:
        wanted.setdefault(source or DEFAULT_PRICE_SOURCE, set()).add(symbol)
    return wanted


# --- locking ------------------------------------------------------------------------------------


def _lock_account(account: PaperAccount) -> PaperAccount:
    return PaperAccount.objects.select_for_update().get(pk=account.pk)


def _lock_balances(account: PaperAccount, assets: Iterable[str]) -> dict[str, PaperBalance]:
    """The balance rows of `assets`, created at zero when missing, locked in asset order (a fixed
    order, so two transactions can never wait on each other's rows)."""
    wanted = sorted(set(assets))
    for asset in wanted:
        PaperBalance.objects.get_or_create(account=account, asset=asset)
    rows = (
        PaperBalance.objects.select_for_update().filter(account=account, asset__in=wanted).order_by("asset")
    )
    return {row.asset: row for row in rows}


def _holdings(rows: Mapping[str, PaperBalance]) -> dict[str, pm.Holding]:
    return {asset: pm.Holding(free=row.free, locked=row.locked) for asset, row in rows.items()}


def _store(rows: Mapping[str, PaperBalance], holdings: Mapping[str, pm.Holding]) -> None:
    for asset, row in rows.items():
        holding = holdings[asset]
        if (row.free, row.locked) != (holding.free, holding.locked):
            row.free, row.locked = holding.free, holding.locked
            row.save(update_fields=["free", "locked", "updated_at"])


def _execute(
    order: PaperOrder, *, price: Decimal, fee_rate: Decimal, is_maker: bool, holdings: dict[str, pm.Holding]
) -> None:
    """Fill `order` whole at `price`: settle its reservation, record the trade, close it."""
    fill = pm.fill_at(Side(order.side), price=price, amount=order.amount, fee_rate=fee_rate)
    holdings[order.quote_asset], holdings[order.base_asset] = pm.settle(
        fill,
        reserved=order.reserved,
        quote=holdings[order.quote_asset],
        base=holdings[order.base_asset],
    )
    order.filled, order.average, order.fee, order.fee_asset = order.amount, price, fill.fee, order.quote_asset
    order.reserved, order.status = Decimal(0), PaperOrder.Status.CLOSED
    order.save(update_fields=["filled", "average", "fee", "fee_asset", "reserved", "status", "updated_at"])
    PaperTrade.objects.create(
        order=order,
        price=price,
        amount=order.amount,
        fee=fill.fee,
        fee_asset=order.quote_asset,
        is_maker=is_maker,
    )


# --- placing ------------------------------------------------------------------------------------


def _validate(market: Market, *, type: OrderType, price: Decimal, amount: Decimal) -> None:
    """The exchange's filters, as Binance applies them: an order off the tick or step grid is
    refused, not silently rounded (the engine must round before it sends)."""
    if not market.active:
        raise InvalidOrder(f"{market.symbol} is not trading", exchange=EXCHANGE)
    try:
        rounded_price, rounded_amount = check_order(
            price=price,
            amount=amount,
            tick_size=market.tick_size,
            step_size=market.step_size,
            min_qty=market.min_qty,
            min_notional=market.min_notional,
        )
    except PrecisionError as exc:
        raise InvalidOrder(str(exc), exchange=EXCHANGE) from None
    if rounded_amount != amount:
        raise InvalidOrder(
            f"quantity {amount} is not a multiple of the step size {market.step_size}", exchange=EXCHANGE
        )
    if type == OrderType.LIMIT and rounded_price != price:
        raise InvalidOrder(
            f"price {price} is not a multiple of the tick size {market.tick_size}", exchange=EXCHANGE
        )
    if market.max_qty is not None and amount > market.max_qty:
        raise InvalidOrder(f"quantity {amount} is above the maximum {market.max_qty}", exchange=EXCHANGE)


def find_by_client_id(*, account: PaperAccount, client_order_id: str) -> PaperOrder | None:
    """The order a retry with `client_order_id` means: the open one, else the latest filled one."""
    return (
        PaperOrder.objects.filter(
            account=account, client_order_id=client_order_id, status__in=_IDEMPOTENT_STATUSES
        )
        .order_by("-created_at", "-id")
        .first()
    )


def latest_by_client_id(*, account: PaperAccount, symbol: str, client_order_id: str) -> Order:
    """What `fetch_order_by_client_id` answers: the newest order with that id, in any state."""
    order = (
        PaperOrder.objects.filter(account=account, symbol=symbol, client_order_id=client_order_id)
        .order_by("-created_at", "-id")
        .first()
    )
    if order is None:
        raise OrderNotFound(f"no order with client id {client_order_id}", exchange=EXCHANGE)
    return to_order(order)


def trades_for(
    *, account: PaperAccount, symbol: str, since: datetime | None = None, limit: int | None = None
) -> list[Trade]:
    """The account's fills on `symbol`, oldest first: from `since` on, or else the newest `limit`
    (ccxt's convention)."""
    trades = PaperTrade.objects.select_related("order").filter(order__account=account, order__symbol=symbol)
    if since is not None:
        chosen = trades.filter(executed_at__gte=since).order_by("executed_at", "id")
        rows = list(chosen[:limit] if limit else chosen)
    elif limit:
        rows = list(trades.order_by("-executed_at", "-id")[:limit])[::-1]
    else:
        rows = list(trades.order_by("executed_at", "id"))
    return [to_trade(t) for t in rows]


def order_place(
    *,
    account: PaperAccount,
    market: Market,
    ticker: Ticker,
    side: Side,
    type: OrderType,
    amount: Decimal,
    price: Decimal | None,
    client_order_id: str,
) -> Order:
    """Place an order at `ticker`'s prices. A market order fills at once at the best price
    worsened by the slippage; a limit order fills at once if marketable (taker, at its limit or
    better), else rests with its funds locked until `match_resting_orders` or a cancel."""
    try:
        side, type = Side(side), OrderType(type)
    except ValueError:
        raise InvalidOrder(f"unknown order side or type: {side} {type}", exchange=EXCHANGE) from None
    if not client_order_id or len(client_order_id) > 64:
        raise InvalidOrder("client order id must be 1 to 64 characters", exchange=EXCHANGE)
    with transaction.atomic():
        account = _lock_account(account)
        existing = find_by_client_id(account=account, client_order_id=client_order_id)
        if existing is not None:
            return to_order(existing)

        tick, slippage = market.tick_size, account.slippage_bps
        fill_price: Decimal | None  # None: the order rests
        if type == OrderType.MARKET:
            reference = pm.reference_price(side, ticker)
            if reference <= 0:
                raise InvalidOrder(f"no price for {market.symbol} to fill a market order", exchange=EXCHANGE)
            order_price = pm.slipped_price(side, reference, slippage_bps=slippage, tick=tick)
            limit, fill_price, reserve_rate = None, order_price, account.taker_fee_rate
        else:
            if price is None:
                raise InvalidOrder("a limit order needs a price", exchange=EXCHANGE)
            fill_price = pm.marketable_fill_price(side, price, ticker, slippage_bps=slippage, tick=tick)
            # A resting order may fill as maker or taker: reserve the higher fee so it never falls short.
            limit, order_price = price, price
            reserve_rate = max(account.taker_fee_rate, account.maker_fee_rate)
        _validate(market, type=type, price=order_price, amount=amount)

        reserved = pm.reservation(side, price=order_price, amount=amount, fee_rate=reserve_rate)
        spend_asset = market.quote if side == Side.BUY else market.base
        rows = _lock_balances(account, {market.base, market.quote})
        holdings = _holdings(rows)
        try:
            holdings[spend_asset] = holdings[spend_asset].lock(reserved)
        except pm.InsufficientBalance as exc:
            raise InsufficientFunds(
                f"{type} {side} of {plain(amount)} {market.base} needs {plain(exc.needed)} {spend_asset}, "
                f"{plain(exc.available)} free",
                exchange=EXCHANGE,
            ) from None
        order = PaperOrder.objects.create(
            account=account,
            client_order_id=client_order_id,
            symbol=market.symbol,
            base_asset=market.base,
            quote_asset=market.quote,
            side=side,
            type=type,
            price=limit,
            amount=amount,
            reserved=reserved,
        )
        if fill_price is not None:
            _execute(
                order, price=fill_price, fee_rate=account.taker_fee_rate, is_maker=False, holdings=holdings
            )
        _store(rows, holdings)
    return to_order(order)


def order_cancel(*, account: PaperAccount, order_id: str, symbol: str) -> Order:
    """Cancel an open order and release exactly what it locked. An order that is already done
    is returned as it is (a filled order stays filled: the caller sees `closed`)."""
    with transaction.atomic():
        account = _lock_account(account)
        order = _get_order(account=account, order_id=order_id, symbol=symbol, lock=True)
        if order.status != PaperOrder.Status.OPEN:
            return to_order(order)
        spend_asset = order.quote_asset if order.side == PaperOrder.Side.BUY else order.base_asset
        rows = _lock_balances(account, {spend_asset})
        holdings = _holdings(rows)
        holdings[spend_asset] = holdings[spend_asset].release(order.reserved)
        order.reserved, order.status = Decimal(0), PaperOrder.Status.CANCELED
        order.save(update_fields=["reserved", "status", "updated_at"])
        _store(rows, holdings)
    return to_order(order)


def _get_order(*, account: PaperAccount, order_id: str, symbol: str, lock: bool = False) -> PaperOrder:
    """The account's order `order_id` on `symbol`; another account's order does not exist."""
    orders = PaperOrder.objects.select_for_update() if lock else PaperOrder.objects
    try:
        return orders.get(account=account, pk=uuid.UUID(str(order_id)), symbol=symbol)
    except (PaperOrder.DoesNotExist, ValueError):  # ValueError: not one of our ids at all
        raise OrderNotFound(f"order {order_id} not found", exchange=EXCHANGE) from None


def get_order(*, account: PaperAccount, order_id: str, symbol: str) -> Order:
    return to_order(_get_order(account=account, order_id=order_id, symbol=symbol))


# --- matching -----------------------------------------------------------------------------------


def match_resting_orders(account: PaperAccount, tickers: Mapping[str, Ticker]) -> list[Order]:
    """Fill the account's resting limit orders that `tickers` (unified symbol -> ticker) cross:
    a buy when the ask is at or below its price, a sell when the bid is at or above. A resting
    order fills whole at its own limit price as maker (it was on the book when the market came
    to it). Returns the orders that filled, oldest first."""
    if not tickers:
        return []

    def due(orders: Iterable[PaperOrder]) -> list[PaperOrder]:
        return [o for o in orders if pm.is_crossed(Side(o.side), o.price, tickers[o.symbol])]

    candidates = open_orders(account=account).filter(type=PaperOrder.Type.LIMIT, symbol__in=list(tickers))
    # Read without locks first: most calls find nothing to fill and then take no lock at all.
    if not due(candidates):
        return []
    with transaction.atomic():
        account = _lock_account(account)
        locked = due(candidates.select_for_update().order_by("created_at", "id"))
        rows = _lock_balances(account, {a for o in locked for a in (o.base_asset, o.quote_asset)})
        holdings = _holdings(rows)
        for order in locked:
            _execute(
                order, price=order.price, fee_rate=account.maker_fee_rate, is_maker=True, holdings=holdings
            )
        _store(rows, holdings)
    return [to_order(order) for order in locked]


def match_all_resting(*, price_source: str, tickers: Mapping[str, Ticker]) -> list[Order]:
    """The fill monitor's tick for one price source: match every paper account pricing from it
    against the same `tickers` (fetched once for all of them). One account's failure is logged
    and does not keep the others' orders from filling."""
    sources = [price_source, ""] if price_source == DEFAULT_PRICE_SOURCE else [price_source]
    accounts = PaperAccount.objects.filter(
        config__price_source__in=sources,
        orders__status=PaperOrder.Status.OPEN,
        orders__type=PaperOrder.Type.LIMIT,
        orders__symbol__in=list(tickers),
    ).distinct()
    filled: list[Order] = []
    for account in accounts:
        try:
            filled += match_resting_orders(account, tickers)
        except Exception:
            logger.exception("paper account %s: matching failed", account.pk)
    return filled
