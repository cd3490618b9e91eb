"""The strategy's exits: a LIMIT SELL CNC at the real-time EMA9 for every holding (09:15), and the
minute-by-minute monitor that records executed sells and lowers each limit as EMA9 falls.

The limit is LTP x 0.2 + yesterday's EMA9 x 0.8, rounded UP to the tick (rules.exit_price), so
the order never sells below the EMA it targets; it is not placed while that EMA9 is under 95 % of
the average entry (rules.should_skip_exit). As EMA9 falls the resting sell is modified to the new
price, or, when the broker refuses the modification, cancelled and placed again. With the RSI exit
on, a real-time RSI above 50 sells at market instead. A filled sell closes the engine's group with
the reason `ema9_target` (the engine's fill monitor records the fill; this monitor looks first).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from brokers.adapters.base import Candle as Bar
from brokers.adapters.base import OrderStatus as ExchangeStatus
from brokers.errors import BrokerError, InvalidOrder, OrderNotFound
from brokers.nse_calendar import nse_calendar
from trading.equities.models import EquitiesStrategy, StrategyPosition
from trading.equities.services.analysis import bars_for, candles_ensure, close_to_analyse
from trading.equities.services.buys import _adapter, recommendations_sync, strategy_groups
from trading.equities.services.config import candle_source, strategy_params
from trading.equities.services.late_data import DAILY_BARS, QUOTES, market_data_late
from trading.equities.strategy.indicators import ema, rsi
from trading.equities.strategy.params import StrategyParams
from trading.equities.strategy.rules import exit_price, rsi_exit, should_skip_exit
from trading.execution.services.exits import group_close
from trading.execution.services.fills import order_apply
from trading.execution.services.monitor import account_sync
from trading.execution.services.order_rows import new_order
from trading.execution.services.orders import order_cancel, place_after_commit
from trading.positions.models import LIVE_ORDER_STATUSES, DCAOrder, OrderRole, PositionGroup
from trading.runtime.journal import amount, trade_log

logger = logging.getLogger("tradefleet.trading.equities")

EMA9_TARGET = "ema9_target"
RSI_EXIT = "rsi_exit"
DEFAULT_TICK = Decimal("0.05")
EMA_CACHE_SECONDS = 20 * 3600


def _tick(group: PositionGroup) -> Decimal:
    raw = (group.market_snapshot or {}).get("tick_size")
    return Decimal(str(raw)) if raw else DEFAULT_TICK


def _closes(source: str, symbol: str, day: date, params: StrategyParams) -> list[Decimal]:
    """The daily closes up to `day` (cached for the day: every minute's monitor reads them)."""
    key = f"nse-closes:{source}:{symbol}:{day.isoformat()}:{params.backtest_years}"
    cached = cache.get(key)
    if cached is not None:
        return [Decimal(c) for c in cached]
    bars: list[Bar] = bars_for(source=source, symbol=symbol, day=day, params=params)
    closes = [bar.close for bar in bars]
    if closes:
        cache.set(key, [str(c) for c in closes], EMA_CACHE_SECONDS)
    return closes


def _live_sell(group: PositionGroup) -> DCAOrder | None:
    return (
        DCAOrder.objects.filter(
            group=group, role=OrderRole.CLOSE, side="sell", status__in=LIVE_ORDER_STATUSES
        )
        .order_by("-created_at")
        .first()
    )


class _Seller:
    def __init__(self, strategy: EquitiesStrategy, now: datetime) -> None:
        self.strategy = strategy
        self.params = strategy_params(strategy)
        self.source = candle_source(strategy)
        self.now = now
        self.day = close_to_analyse(now)  # yesterday's close during the session
        self.adapter = _adapter(strategy)
        self.out: dict[str, Any] = {
            "placed": [],
            "lowered": [],
            "replaced": [],
            "rsi_exits": [],
            "waiting": {},
        }
        # Stocks whose market data was late: {symbol: why} per cause (told once a day).
        self.late: dict[str, dict[str, str]] = {DAILY_BARS: {}, QUOTES: {}}

    def run(self) -> dict[str, Any]:
        groups = [g for g in strategy_groups(self.strategy.user_id) if g.filled_quantity > 0]
        groups = [g for g in groups if g.status != "closing"]
        if not groups:
            return self.out
        symbols = sorted({g.symbol for g in groups})
        self.late[DAILY_BARS].update(candles_ensure(source=self.source, symbols=symbols, day=self.day))
        tickers = self.adapter.fetch_tickers(symbols)
        # What the broker lets us sell now: shares bought today may settle T+1 first (the paper
        # ledger's rule; Kotak's sellable quantity says so too), and open sells hold theirs.
        self.sellable = {h.symbol: h.sellable_quantity for h in self.adapter.fetch_holdings()}
        for group in groups:
            ticker = tickers.get(group.symbol)
            if ticker is None:
                self.out["waiting"][group.symbol] = "no price"
                self.late[QUOTES][group.symbol] = ""
                continue
            try:
                self.one(group, ticker.last)
            except BrokerError as exc:  # this holding waits for the next minute; the others go on
                self.out["waiting"][group.symbol] = exc.message or type(exc).__name__
        for cause, problems in self.late.items():
            market_data_late(
                user_id=self.strategy.user_id,
                cause=cause,
                problems=problems,
                now=self.now,
                close=self.day.isoformat(),
                needed_by="the EMA9 sells",
                link="/strategy/holdings",
            )
        return self.out

    def one(self, group: PositionGroup, ltp: Decimal) -> None:
        closes = _closes(self.source, group.symbol, self.day, self.params)
        _mark(group, ltp)
        position, _ = StrategyPosition.objects.get_or_create(
            group=group, defaults={"user_id": group.user_id, "symbol": group.symbol}
        )
        if not closes:
            self._note(position, None, f"no daily candles of {group.symbol} from {self.source}")
            self.late[DAILY_BARS].setdefault(group.symbol, "no daily candles")
            return
        previous_ema9 = ema(closes, self.params.exit_ema_period)[-1]
        if previous_ema9 is None:
            self._note(position, None, "too little history for EMA9")
            return
        live = rsi([*closes, ltp], self.params.rsi_period)[-1]
        if rsi_exit(live, self.params):
            self._rsi_exit(group, position, live)
            return
        target = exit_price(ltp, previous_ema9, _tick(group), self.params)
        entry = group.avg_entry or ltp
        if should_skip_exit(target, entry, self.params):
            self._note(
                position,
                None,
                f"EMA9 {amount(target)} is under {self.params.skip_exit_below_entry_ratio * 100:.0f} % "
                f"of the entry {amount(entry)}: no sell yet",
            )
            return
        sell = _live_sell(group)
        resting = sell.quantity - sell.filled_quantity if sell is not None else Decimal(0)
        can_sell = min(group.filled_quantity, self.sellable.get(group.symbol, Decimal(0)) + resting)
        if sell is None and can_sell <= 0:
            self._note(
                position,
                None,
                f"the broker shows no sellable {group.symbol} yet (shares bought today settle T+1): "
                f"the EMA9 sell at {amount(target)} waits for them",
            )
        elif sell is None:
            self._place(group, position, target, can_sell)
        elif can_sell > resting and sell.exchange_order_id:
            self._replace(group, position, sell, min(target, sell.price or target), can_sell)
        elif sell.price is not None and target < sell.price and sell.exchange_order_id:
            self._lower(group, position, sell, target)
        else:
            self._note(position, sell.price if sell.price is not None else target, "")

    def _note(self, position: StrategyPosition, price: Decimal | None, note: str) -> None:
        if position.exit_price != price or position.exit_note != note:
            position.exit_price, position.exit_note = price, note
            position.save(update_fields=["exit_price", "exit_note", "updated_at"])
        if note:
            self.out["waiting"][position.symbol] = note

    def _place(self, group: PositionGroup, position: StrategyPosition, price: Decimal, held: Decimal) -> None:
        with transaction.atomic():
            order = new_order(
                user_id=group.user_id,
                group=group,
                role=OrderRole.CLOSE,
                symbol=group.symbol,
                side="sell",
                order_type="limit",
                price=price,
                quantity=held,
                reason=EMA9_TARGET,
            )
            order.save()
            place_after_commit([order])
        self._note(position, price, "")
        self.out["placed"].append(group.symbol)
        trade_log(
            group.user_id,
            f"NSE strategy: LIMIT SELL CNC {amount(held)} {group.symbol} at the EMA9 {amount(price)}.",
            symbol=group.symbol,
            group_id=str(group.pk),
            order_id=str(order.pk),
        )

    def _lower(
        self, group: PositionGroup, position: StrategyPosition, sell: DCAOrder, price: Decimal
    ) -> None:
        was = sell.price
        try:
            changed = self.adapter.modify_order(
                symbol=group.symbol, order_id=sell.exchange_order_id, price=price
            )
        except (InvalidOrder, OrderNotFound):
            # Done meanwhile (filled?) or not modifiable: look, then cancel and place again if it rests.
            found = self.adapter.fetch_order(symbol=group.symbol, order_id=sell.exchange_order_id)
            order_apply(order_id=sell.pk, exchange_order=found)
            if found.status != ExchangeStatus.OPEN:
                return
            self._replace(group, position, sell, price, sell.quantity)
            return
        DCAOrder.objects.filter(pk=sell.pk).update(price=price, updated_at=timezone.now())
        order_apply(order_id=sell.pk, exchange_order=changed)
        self._note(position, price, "")
        self.out["lowered"].append(group.symbol)
        trade_log(
            group.user_id,
            f"NSE strategy: sell of {group.symbol} lowered from {amount(was)} to the EMA9 {amount(price)}.",
            symbol=group.symbol,
            group_id=str(group.pk),
            order_id=str(sell.pk),
        )

    def _replace(
        self,
        group: PositionGroup,
        position: StrategyPosition,
        sell: DCAOrder,
        price: Decimal,
        quantity: Decimal,
    ) -> None:
        """Cancel the resting sell, then place it again at `price` for `quantity` (more shares
        settled since, or a modification the broker refused). Nothing is placed while the old one
        is not cancelled: a sell that filled meanwhile closes the position instead."""
        order_cancel(order_id=str(sell.pk))
        sell.refresh_from_db()
        if sell.is_live or sell.filled_quantity > 0:
            return
        group.refresh_from_db()
        self._place(group, position, price, min(quantity, group.filled_quantity))
        self.out["replaced"].append(group.symbol)

    def _rsi_exit(self, group: PositionGroup, position: StrategyPosition, live: Decimal | None) -> None:
        why = f"RSI {live:.1f} is above {self.params.exit_on_rsi_above}"
        with transaction.atomic():
            group_close(group=group, reason=RSI_EXIT, why=why)
        self._note(position, None, f"selling at market: {why}")
        self.out["rsi_exits"].append(group.symbol)


def _mark(group: PositionGroup, ltp: Decimal) -> None:
    """The holding's price and unrealized PnL at the last traded price."""
    if group.avg_entry is None or group.filled_quantity <= 0:
        return
    pnl = (ltp - group.avg_entry) * group.filled_quantity
    percent = (ltp / group.avg_entry - 1) * 100
    PositionGroup.objects.filter(pk=group.pk).update(
        last_price=ltp, unrealized_pnl=pnl, unrealized_pnl_percent=percent.quantize(Decimal("0.0001"))
    )


def _executions(strategy: EquitiesStrategy) -> list[str]:
    """Record what the broker executed since the last look (the engine's account sync); the
    symbols whose EMA9 sell closed them."""
    before = set(strategy_groups(strategy.user_id).values_list("pk", flat=True))
    account_sync(account_id=str(strategy.account_id))
    recommendations_sync(user_id=strategy.user_id)
    closed = PositionGroup.objects.filter(pk__in=before, close_reason=EMA9_TARGET, closed_at__isnull=False)
    return sorted(closed.values_list("symbol", flat=True))


def open_sells(*, user_id: Any, now: datetime | None = None) -> dict[str, Any]:
    """The 09:15 task: the EMA9 limit sell of every holding."""
    now = now or timezone.now()
    strategy = EquitiesStrategy.objects.select_related("account").get(user_id=user_id)
    sold = _executions(strategy)
    return {"sold": sold, **_Seller(strategy, now).run()}


def sell_monitor(*, user_id: Any, now: datetime | None = None) -> dict[str, Any]:
    """Every minute of the session: executed sells, then each limit lowered as EMA9 falls."""
    now = now or timezone.now()
    if not nse_calendar().is_open(now):
        return {"acted": False, "note": "the market is closed"}
    strategy = EquitiesStrategy.objects.select_related("account").get(user_id=user_id)
    sold = _executions(strategy)
    out = _Seller(strategy, now).run()
    acted = bool(sold or out["placed"] or out["lowered"] or out["replaced"] or out["rsi_exits"])
    return {"acted": acted, "sold": sold, **out}
