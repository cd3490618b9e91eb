"""Signal processing (worker side): classify, size, compute the grid, open or extend a group.

Classification follows trading-semantics.md, "Signals": exit / reduce / reverse act on the open
group of the key (user, account, symbol, timeframe, side); otherwise a live group is extended by
a pyramid (a second one within the same candle is a duplicate, at `max_pyramids` it is
refused), and without one a new group opens when the pool has a free slot. A new entry that finds
the pool full (or the daily loss limit reached, or its key already queued) waits in the execution
queue instead (queue.py); the queue promotes it later through this same path
(`queued_signal_open`), so a promoted entry opens exactly as a fresh one would.

A signal is processed once: it is locked and must still be `received`, so a second message for it
(a redelivery, the signal sweeper's copy, a resent alert) does nothing; one that waited longer
than TRADING_SIGNAL_PROCESS_WITHIN_SECONDS is refused instead of traded late. Two entries for one key
processed at the same moment cannot open two groups: the database allows one open group per
key, and the loser is classified again against the winner's group. Entries and pyramids take the
user's queue lock first (queue.queue_lock), so the pool limit is exact and the queue
sees one change at a time; locks are always taken in the order signal, queue, group.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from brokers.adapters.base import Market
from brokers.adapters.cache import cached_adapter_for
from brokers.errors import TRANSIENT_ERRORS, BrokerError
from brokers.markets import market_to_json
from trading.dca.grid import GridError, compute_grid
from trading.dca.models import DCAConfig, EntryOrderType
from trading.dca.services import dca_config_snapshot
from trading.dca.timeframes import timeframe_seconds
from trading.execution.services.exits import group_close, group_reduce
from trading.execution.services.order_rows import new_order
from trading.execution.services.orders import claim_for_inline_send, place_after_commit
from trading.positions.events import position_event
from trading.positions.models import DCAOrder, GroupStatus, OrderRole, PositionGroup, Pyramid
from trading.positions.selectors import open_groups, pool_groups
from trading.positions.services import group_refresh
from trading.queue.services import queue as services_queue
from trading.queue.services.journal import grid_detail, signal_outcome_log
from trading.queue.services.queue import queue_cancel_for_key
from trading.queue.services.sizing import Refused, decimal_or_none, entry_capital, grid_levels
from trading.runtime.journal import amount
from trading.signals.events import signal_event
from trading.signals.models import NOT_TRADED, Classification, Signal, SignalStatus
from trading.signals.routing import routes_for

logger = logging.getLogger("tradefleet.trading.signals")
STOPPED = "Your trading service is stopped: start it to open or add to positions."
LATE = (
    "Not traded: the engine could not act on this signal within {minutes} minutes of its arrival "
    "(workers, broker or exchange unavailable), and a late entry or exit would trade at a price the "
    "alert never saw."
)
NO_SHORT = "The short side was not opened: spot accounts trade long only."


def candle_start(moment: datetime, seconds: int) -> int:
    return int(moment.timestamp()) // seconds if seconds > 0 else int(moment.timestamp())


def _finish(
    signal: Signal,
    status: str,
    classification: str,
    reason: str = "",
    group: Any = None,
    *,
    detail: str = "",
) -> None:
    """Record what the signal did, push it live and tell it in the trader's log (`detail`: what
    an entry placed, how much a reduce sells)."""
    signal.status = status
    signal.classification = classification
    signal.reason = reason[:2000]
    if status == SignalStatus.REJECTED:
        signal.reason_code = NOT_TRADED
    signal.position_group = group if group is not None else signal.position_group
    signal.processed_at = timezone.now()
    signal.save(
        update_fields=["status", "classification", "reason", "reason_code", "position_group", "processed_at"]
    )
    signal_event(signal)
    if status != SignalStatus.QUEUED:  # queue.queue_entry_add tells where it waits
        signal_outcome_log(signal, group=group, detail=detail)


def signal_process(*, signal_id: str) -> None:
    """Act on one received signal. Transient exchange errors (markets unreachable) leave it
    `received` and propagate, so the task retries: the signal is held, not lost."""
    for _ in range(2):  # the second pass classifies again after losing an open-group race
        try:
            with transaction.atomic():
                signal = (
                    Signal.objects.select_for_update(of=("self",))
                    .select_related("account", "user")
                    .filter(pk=signal_id)
                    .first()
                )
                if signal is None or signal.status != SignalStatus.RECEIVED:
                    return
                within = settings.TRADING_SIGNAL_PROCESS_WITHIN_SECONDS
                if signal.received_at < timezone.now() - timedelta(seconds=within):
                    _finish(signal, SignalStatus.REJECTED, "", LATE.format(minutes=max(1, within // 60)))
                    return
                try:
                    _dispatch(signal)
                except Refused as refused:
                    _finish(signal, SignalStatus.REJECTED, refused.classification, refused.reason)
                return
        except IntegrityError:
            logger.info("signal %s lost an open-group race; classifying again", signal_id)
    raise RuntimeError(f"signal {signal_id}: could not open or extend its group")


def _dispatch(signal: Signal) -> None:
    account = signal.account
    if account is None or not account.is_enabled:
        raise Refused("The exchange account of this signal is gone or disabled.")
    intent, side = signal.intent_type, signal.side
    if intent in ("exit", "reduce", "reverse"):
        cancelled = 0
        if intent in ("exit", "reverse"):
            # Before the group's lock: the queue's lock comes first (see the module doc).

            cancelled = queue_cancel_for_key(signal=signal, side=side)
        group = _locked_open_group(signal, side)
        if intent == "exit" or (intent == "reverse" and group is not None):
            if group is None and not cancelled:
                raise Refused(
                    f"There is no open {side} position on {signal.symbol} {signal.timeframe} to exit.",
                    Classification.EXIT,
                )
            # Finished before the close it starts, so the trader's log reads the signal first.
            if intent == "exit":
                key = f"{signal.symbol} {signal.timeframe}"
                reason = f"Cancelled the queued signal for {key}." if cancelled else ""
                _finish(signal, SignalStatus.PROCESSED, Classification.EXIT, reason, group=group)
            elif side == "long":  # a reverse into a short, which a spot account never opens
                _finish(
                    signal,
                    SignalStatus.PROCESSED,
                    Classification.REVERSE,
                    f"Closed the long position. {NO_SHORT}",
                    group=group,
                    detail="the short side is not opened: spot accounts trade long only",
                )
            if group is not None:
                group_close(group=group, reason="exit_signal" if intent == "exit" else "reverse_signal")
        if intent == "exit":
            return
        if intent == "reduce":
            if group is None:
                raise Refused(
                    f"There is no open {side} position on {signal.symbol} {signal.timeframe} to reduce.",
                    Classification.REDUCE,
                )
            fraction = decimal_or_none(signal.parsed.get("reduce_fraction")) or Decimal(1)
            try:
                group_reduce(group=group, fraction=fraction, reason="reduce_signal")
            except ValueError as exc:
                raise Refused(str(exc), Classification.REDUCE) from exc
            _finish(
                signal,
                SignalStatus.PROCESSED,
                Classification.REDUCE,
                group=group,
                detail=f"{amount(fraction * 100)} %",
            )
            return
        # reverse: the closed side was `side`; the new one is the other.
        opened = "short" if side == "long" else "long"
        if opened == "short":
            if group is None:  # nothing was open to close (a queued signal may have been cancelled)
                reason = f"There was no open long position to close. {NO_SHORT}"
                _finish(signal, SignalStatus.PROCESSED, Classification.REVERSE, reason)
            return
        signal.side = opened
    _entry_or_pyramid(signal)


def _locked_open_group(signal: Signal, side: str) -> PositionGroup | None:
    return (
        open_groups(signal.user_id)
        .select_for_update()
        .filter(account=signal.account, symbol=signal.symbol, timeframe=signal.timeframe, side=side)
        .first()
    )


@dataclass(frozen=True)
class Promotion:
    """A queued signal opening now: its grid is computed from `price` (the market's, see
    queue.py) and its reason becomes `reason`."""

    price: Decimal
    reason: str


def queued_signal_open(*, signal: Signal, price: Decimal, reason: str) -> PositionGroup:
    """Open or extend the group of a queued signal (a promotion), exactly as a new signal
    would, at `price`. The caller holds the user's queue lock and the signal's lock (status
    `queued`). Raises Refused when it cannot open; the caller marks the entry failed."""
    account = signal.account
    if account is None or not account.is_enabled:
        raise Refused("The exchange account of this signal is gone or disabled.")
    group = _entry_or_pyramid(signal, Promotion(price=price, reason=reason))
    if group is None:  # cannot happen: a promotion never queues and raises on a duplicate
        raise Refused("The signal could not open.")
    return group


def _entry_or_pyramid(signal: Signal, promotion: Promotion | None = None) -> PositionGroup | None:
    """Open a group or add a pyramid. None when the signal waits in the queue or is a duplicate."""
    if signal.side == "short":
        raise Refused("Short positions need a derivatives account; spot accounts trade long only.")
    routes = routes_for(signal.user)
    if not routes.service_running:
        raise Refused(STOPPED)
    config = routes.dca_config(
        account_id=signal.account_id,
        exchange=signal.account.exchange,
        symbol=signal.symbol,
        timeframe=signal.timeframe,
    )
    if config is None:
        raise Refused(f"No DCA configuration for {signal.symbol} {signal.timeframe}: create one first.")
    price = promotion.price if promotion else signal.price
    if price is None or price <= 0:
        raise Refused("The signal has no usable price (tv.entry_price or tv.close_price).")
    market = _market(signal)

    # The user's queue lock (a promotion holds it already): one admission decision at a time,
    # taken before any group's lock.
    status = None if promotion else services_queue.queue_lock(signal.user_id)
    if status is not None and not status.running:
        # A stop that committed after the routes were read: the locked row has the last word.
        raise Refused(STOPPED)
    # One read of the user's open groups answers both "is there a group for this key" and "is
    # there a free slot"; only a pyramid then locks its group.
    open_keys = list(
        pool_groups(signal.user_id).values_list("pk", "account_id", "symbol", "timeframe", "side")
    )
    key = (signal.account_id, signal.symbol, signal.timeframe, signal.side)
    match = next((pk for pk, *rest in open_keys if tuple(rest) == key), None)
    group = PositionGroup.objects.select_for_update().filter(pk=match).first() if match else None
    moment = signal.sent_at or signal.received_at
    if group is not None:
        if group.status == GroupStatus.CLOSING:
            raise Refused("The position is closing; send the entry again once it has closed.")
        seconds = timeframe_seconds(group.timeframe)
        if group.last_pyramid_at and candle_start(group.last_pyramid_at, seconds) == candle_start(
            moment, seconds
        ):
            duplicate = f"A pyramid was already added in this {group.timeframe} candle."
            if promotion:
                raise Refused(duplicate, Classification.DUPLICATE)
            _finish(signal, SignalStatus.DUPLICATE, Classification.DUPLICATE, duplicate, group=group)
            return None
        if group.pyramid_count >= group.max_pyramids:
            raise Refused(
                f"Max pyramids reached ({group.pyramid_count} of {group.max_pyramids}).",
                Classification.MAX_PYRAMIDS,
            )
        index = group.pyramid_count
    else:
        index = 0
    capital = entry_capital(signal, config, group, price)
    levels = grid_levels(config, index)
    try:
        legs = compute_grid(entry=price, capital=capital, levels=levels, market=market, side=signal.side)
    except GridError as exc:
        raise Refused(f"The grid cannot be placed: {exc}.") from exc
    classification = Classification.ENTRY if index == 0 else Classification.PYRAMID
    if status is not None:
        wait = services_queue.queue_admission(
            signal=signal, routes=routes, status=status, open_count=len(open_keys), group=group
        )
        if wait is not None:
            reason = services_queue.queue_entry_add(
                signal=signal, routes=routes, status=status, group=group, legs=legs, wait=wait
            )
            _finish(signal, SignalStatus.QUEUED, classification, reason)
            return None
    opened = group is None
    if group is None:
        group = _open_group(signal, config, market, moment)
    pyramid = Pyramid.objects.create(
        group=group, index=index, signal=signal, entry_price=price, capital=capital, created_at=timezone.now()
    )
    entry_type = config.entry_order_type
    orders = []
    for leg, level in zip(legs, levels, strict=True):
        market_leg = leg.level == 0 and entry_type == EntryOrderType.MARKET
        orders.append(
            new_order(
                user_id=signal.user_id,
                group=group,
                pyramid=pyramid,
                role=OrderRole.LEG,
                level=leg.level,
                symbol=group.symbol,
                side="buy" if signal.side == "long" else "sell",
                order_type="market" if market_leg else "limit",
                price=leg.price,
                quantity=leg.quantity,
                tp_percent=level.tp_percent,
            )
        )
    # The first order is committed already claimed (this worker sends it right after the commit),
    # which spares it a second transaction; the others wait for a worker to claim them.
    claim_for_inline_send(orders[0])
    DCAOrder.objects.bulk_create(orders)
    if opened:
        position_event(group)  # new: waiting, nothing held; no need to recompute
    else:
        group.pyramid_count = index + 1
        group.last_pyramid_at = moment
        group.save(update_fields=["pyramid_count", "last_pyramid_at", "updated_at"])
        group_refresh(group_id=group.pk, group=group)
    place_after_commit(orders)
    _finish(
        signal,
        SignalStatus.PROCESSED,
        classification,
        promotion.reason if promotion else "",
        group=group,
        detail=grid_detail(price=price, orders=len(orders), capital=capital, group=group),
    )
    return group


def _market(signal: Signal) -> Market:
    try:
        return cached_adapter_for(signal.account).market(signal.symbol)
    except TRANSIENT_ERRORS:
        raise  # held: the task retries once the exchange answers again
    except BrokerError as exc:
        raise Refused(exc.message or f"{signal.exchange} has no market {signal.symbol}.") from exc


def _open_group(signal: Signal, config: DCAConfig, market: Market, moment: datetime) -> PositionGroup:
    # A lost race (another worker opened this key a moment ago) raises IntegrityError here; the
    # caller rolls back and classifies again.
    return PositionGroup.objects.create(
        user_id=signal.user_id,
        account=signal.account,
        exchange=signal.account.exchange,
        symbol=signal.symbol,
        timeframe=signal.timeframe,
        side=signal.side,
        status=GroupStatus.WAITING,
        pyramid_count=1,
        last_pyramid_at=moment,
        dca_config=config,
        config_snapshot=dca_config_snapshot(config),
        market_snapshot=market_to_json(market),
        max_pyramids=config.max_pyramids,
        tp_mode=config.tp_mode,
        tp_aggregate_percent=config.tp_aggregate_percent,
        trailing_deviation_percent=config.trailing_deviation_percent,
        stop_loss_percent=config.stop_loss_percent,
        cancel_dca_beyond_percent=config.cancel_dca_beyond_percent,
    )
