"""What time does to a paper equities account, applied whenever the account is used (and by the
periodic tick in services.py): nothing runs in the background of a paper ledger, so each call
first brings it up to `now`, in this order:

1. AMOs whose session has opened work from that open: a market AMO fills at the open price,
   a limit AMO fills there when the open crosses it, else rests for the day. The open price is
   the day's daily candle open when the price source has that candle, else the open of its
   first one-minute candle of the day, else the last price seen at this first call after the open.
2. While the market is open, resting limit orders of today fill at their limit price once the
   last price crosses it.
3. From 15:20 IST, open intraday (MIS) positions are squared off at the then last price (their
   open MIS orders are cancelled first).
4. Day orders whose session has closed expire; what they held is given back.

Prices are fetched before any lock is taken; a price source that is down leaves the orders as
they are (a later call catches up), it never fails the read that triggered the catch-up.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction

from brokers.adapters.base import BrokerAdapter, OrderType, Side
from brokers.adapters.equities import Product
from brokers.errors import BrokerError, InsufficientFunds
from brokers.nse_calendar import IST, MARKET_CLOSE, nse_calendar

from . import fills, ledger
from .charges import ChargeTable
from .models import PaperEquityAccount, PaperEquityOrder, PaperEquityPosition

logger = logging.getLogger(__name__)
Status = PaperEquityOrder.Status


def account_catch_up(
    *,
    account: PaperEquityAccount,
    market_data: BrokerAdapter,
    now: datetime,
    table: ChargeTable | None = None,
) -> None:
    table = table or ledger.charge_table()
    open_amos(account=account, market_data=market_data, now=now, table=table)
    if nse_calendar().is_open(now):
        match_resting(account=account, market_data=market_data, now=now, table=table)
    square_off(account=account, market_data=market_data, now=now, table=table)
    expire_day_orders(account=account, now=now)


def _open_orders(account: PaperEquityAccount):  # type: ignore[no-untyped-def]  # a QuerySet
    return PaperEquityOrder.objects.filter(account=account, status=Status.OPEN)


def last_prices(market_data: BrokerAdapter, symbols: Iterable[str]) -> dict[str, Decimal]:
    wanted = sorted(set(symbols))
    if not wanted:
        return {}
    try:
        return {symbol: ticker.last for symbol, ticker in market_data.fetch_tickers(wanted).items()}
    except BrokerError as exc:
        logger.warning("paper NSE: no prices for %s (%s)", ", ".join(wanted), exc.message)
        return {}


def open_price(market_data: BrokerAdapter, symbol: str, day: date, session_open: datetime) -> Decimal | None:
    """The open of `day`: its daily candle's when the price source has one (brokers publish the
    day's candle once it is over), else the first one-minute candle's of the day, else the last
    price now."""
    since = datetime.combine(day, datetime.min.time(), tzinfo=IST) - timedelta(days=1)
    for timeframe, start, limit in (("1d", since, 5), ("1m", session_open, 1)):
        try:
            for candle in market_data.fetch_ohlcv(symbol, timeframe, since=start, limit=limit):
                opened = candle.opened_at
                if (
                    opened.astimezone(IST).date() == day
                    and candle.open > 0
                    and (timeframe == "1d" or opened >= session_open)
                ):
                    return candle.open
        except BrokerError as exc:
            logger.info("paper NSE: no %s candle of %s for %s (%s)", timeframe, symbol, day, exc.message)
    return last_prices(market_data, [symbol]).get(symbol)


def _fill_or_refuse(
    account: PaperEquityAccount, order: PaperEquityOrder, *, price: Decimal, at: datetime, table: ChargeTable
) -> PaperEquityAccount:
    """Fill `order`; when the cash cannot pay (an AMO whose open gapped up) refuse it instead,
    as the exchange does at the open. Returns the account as it now stands."""
    try:
        with transaction.atomic():
            ledger.fill(account, order, price=price, at=at, table=table)
    except InsufficientFunds as exc:
        account.refresh_from_db()
        order.refresh_from_db()
        order.activated = True
        ledger.end(account, order, status=Status.REJECTED, now=at, reason=exc.message)
    return account


def open_amos(
    *, account: PaperEquityAccount, market_data: BrokerAdapter, now: datetime, table: ChargeTable
) -> None:
    calendar = nse_calendar()

    def opened(order: PaperEquityOrder) -> datetime | None:
        session = calendar.session(order.trading_day)
        return session.open if session is not None and session.open <= now else None

    due = [order for order in _open_orders(account).filter(activated=False) if opened(order)]
    if not due:
        return
    opens = {
        (order.symbol, order.trading_day): open_price(
            market_data, order.symbol, order.trading_day, opened(order) or now
        )
        for order in due
    }
    with transaction.atomic():
        account = ledger.lock_account(account)
        locked = _open_orders(account).select_for_update().filter(pk__in=[o.pk for o in due], activated=False)
        for order in locked.order_by("created_at", "id"):
            price, at = opens.get((order.symbol, order.trading_day)), opened(order)
            if price is None or at is None:
                continue  # no price yet: a later call fills it
            fill_at = fills.fill_price(
                Side(order.side),
                OrderType(order.type),
                last=price,
                limit=order.price,
                slippage_bps=account.slippage_bps,
                tick=order.tick_size,
            )
            if fill_at is None:
                order.activated, order.updated_at = True, at
                order.save(update_fields=["activated", "updated_at"])
                continue
            account = _fill_or_refuse(account, order, price=fill_at, at=at, table=table)


def match_resting(
    *, account: PaperEquityAccount, market_data: BrokerAdapter, now: datetime, table: ChargeTable
) -> None:
    today = now.astimezone(IST).date()
    resting = _open_orders(account).filter(activated=True, type=OrderType.LIMIT, trading_day=today)
    symbols = set(resting.values_list("symbol", flat=True))
    if not symbols:
        return
    prices = last_prices(market_data, symbols)

    def crossed(order: PaperEquityOrder) -> bool:
        last = prices.get(order.symbol)
        return last is not None and fills.is_crossed(Side(order.side), order.price, last)

    if not any(crossed(order) for order in resting):
        return
    with transaction.atomic():
        account = ledger.lock_account(account)
        for order in resting.select_for_update().order_by("created_at", "id"):
            if crossed(order):
                # It was on the book when the market came to it: it fills at its own price.
                account = _fill_or_refuse(account, order, price=order.price, at=now, table=table)


def _due_square_offs(account: PaperEquityAccount, now: datetime) -> list[PaperEquityPosition]:
    calendar, local = nse_calendar(), now.astimezone(IST)
    rows = PaperEquityPosition.objects.filter(
        account=account, product=Product.MIS, trading_day__lte=local.date()
    )
    return [
        p
        for p in rows
        if p.buy_quantity > p.sell_quantity and now >= calendar.at_ist(p.trading_day, ledger.MIS_SQUARE_OFF)
    ]


def square_off(
    *, account: PaperEquityAccount, market_data: BrokerAdapter, now: datetime, table: ChargeTable
) -> None:
    due = _due_square_offs(account, now)
    if not due:
        return
    prices = last_prices(market_data, {p.symbol for p in due})
    ticks: dict[str, Decimal] = {}
    for symbol in prices:
        try:
            ticks[symbol] = market_data.market(symbol).tick_size
        except BrokerError as exc:
            logger.warning("paper NSE: no market for %s to square off (%s)", symbol, exc.message)
    with transaction.atomic():
        account = ledger.lock_account(account)
        for position in due:
            if position.symbol not in ticks:
                continue
            day = position.trading_day
            mis_orders = (
                _open_orders(account)
                .select_for_update()
                .filter(symbol=position.symbol, product=Product.MIS, trading_day=day)
            )
            for order in mis_orders:
                ledger.end(
                    account, order, status=Status.CANCELED, now=now, reason="Cancelled by the MIS square-off"
                )
            position.refresh_from_db()
            net = position.buy_quantity - position.sell_quantity
            price = fills.fill_price(
                Side.SELL,
                OrderType.MARKET,
                last=prices[position.symbol],
                limit=None,
                slippage_bps=account.slippage_bps,
                tick=ticks[position.symbol],
            )
            if net <= 0 or price is None:  # None: a last price of zero, nothing to sell at
                continue
            order = PaperEquityOrder.objects.create(
                account=account,
                client_order_id=f"square-off-{day:%Y%m%d}-{position.symbol}-{uuid.uuid4().hex[:8]}"[:64],
                symbol=position.symbol,
                side=Side.SELL,
                type=OrderType.MARKET,
                product=Product.MIS,
                quantity=net,
                tick_size=ticks[position.symbol],
                trading_day=day,
                created_at=now,
                updated_at=now,
            )
            ledger.block(account, order, basis=price, table=table)
            account = _fill_or_refuse(account, order, price=price, at=now, table=table)


def expire_day_orders(*, account: PaperEquityAccount, now: datetime) -> None:
    calendar = nse_calendar()

    def closed(order: PaperEquityOrder) -> bool:
        session = calendar.session(order.trading_day)
        close = session.close if session is not None else calendar.at_ist(order.trading_day, MARKET_CLOSE)
        return now >= close

    due = [order.pk for order in _open_orders(account).filter(activated=True) if closed(order)]
    if not due:
        return
    with transaction.atomic():
        account = ledger.lock_account(account)
        for order in (
            _open_orders(account).select_for_update().filter(pk__in=due).order_by("created_at", "id")
        ):
            ledger.end(account, order, status=Status.EXPIRED, now=now, reason="Day order: the session closed")
