"""The risk engine as a service: one cycle for one user (trading-semantics.md, "Risk engine").

The decisions are trading/risk/decisions.py's (pure, property-tested); this module loads the user's live
groups under their locks, marks them at a fresh price, persists their timers and carries out the
plan in one transaction: each winner sells exactly its planned quantity with one market order
(reason `risk_offset`), the loser closes in full (`risk_engine`), and a `RiskAction` records
every quantity and price.

Resting per-leg take-profits hold a winner's coins on the exchange, so a plan that needs such a
winner runs in two passes: its take-profits are cancelled outside the locks, then the cycle
plans again at the same prices and executes. A group whose take-profits could not be taken down
sits the second pass out; a winner whose take-profits came down but that ends up not selling
gets them back (a winner that sells gets them back for what remains when the sale fills).

Running twice never closes twice: the loser is `closing` after the first run (and only live,
partially filled and active groups are locked and looked at), and a group with a close order in
flight is left out of the cycle until it settles.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from brokers.errors import BrokerError
from notifications.services.notify import notify
from trading.execution.services.exits import group_close, group_close_quantity
from trading.execution.services.fills import leg_take_profit_sync
from trading.execution.services.orders import order_cancel
from trading.positions.models import LIVE_ORDER_STATUSES, DCAOrder, OrderRole, PositionGroup
from trading.risk import decisions as risk
from trading.risk.events import risk_action_event
from trading.risk.models import RiskAction, RiskActionStatus
from trading.risk.services.state import (
    RISK_STATUSES,
    Snapshot,
    group_marks,
    risk_settings_for,
    snapshot_build,
    text,
    why_nothing,
)
from trading.runtime.journal import RISK, trade_log
from trading.runtime.services import service_status_for
from trading.settings.services import trading_config_for

logger = logging.getLogger("tradefleet.trading.risk")
ZERO = Decimal(0)
WINNER_REASON = "risk_offset"
LOSER_REASON = "risk_engine"


def _lock_and_mark(
    user_id: Any, marks: dict[str, Decimal], settings: risk.RiskSettings, now: datetime
) -> Snapshot:
    """Lock the user's live groups (in one order, so two cycles never deadlock), then persist
    each changed timer and fresh mark in one bulk update."""
    groups = list(
        PositionGroup.objects.select_for_update()
        .filter(user_id=user_id, status__in=RISK_STATUSES)
        .order_by("pk")
    )
    snapshot = snapshot_build(groups, marks, settings, now)
    changed = []
    for gid, group in snapshot.groups.items():
        state = snapshot.states[gid]
        mark = marks.get(gid)
        timer_moved = state.timer_expires_at != group.risk_timer_expires_at
        marked = mark is not None and mark != group.last_price
        if not (timer_moved or marked):
            continue
        group.risk_timer_expires_at = state.timer_expires_at
        if marked:
            group.last_price = mark
            group.unrealized_pnl, group.unrealized_pnl_percent = state.unrealized, state.unrealized_percent
        group.updated_at = now
        changed.append(group)
    if changed:
        PositionGroup.objects.bulk_update(
            changed,
            ["risk_timer_expires_at", "last_price", "unrealized_pnl", "unrealized_pnl_percent", "updated_at"],
        )
    return snapshot


# --- one cycle ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CycleResult:
    action: RiskAction | None
    reason: str  # why nothing was done; "" when the engine acted


class RiskExecutionFailed(Exception):
    """A plan could not be carried out; `action` is its `failed` record."""

    def __init__(self, action: RiskAction, cause: Exception) -> None:
        super().__init__(f"risk offset of {action.symbol} failed: {type(cause).__name__}: {cause}")
        self.action = action


# Called inside the cycle's last transaction with what it did: the manual run audits there.
OnDone = Callable[[RiskAction | None, str], None]


def risk_cycle(*, user_id: Any, trigger: str) -> RiskAction | None:
    """One risk cycle for one user: the action taken, or None. Does nothing when the user's risk
    engine is disabled or their service is stopped."""
    return cycle_run(user_id=user_id, trigger=trigger).action


def cycle_run(*, user_id: Any, trigger: str, on_done: OnDone | None = None) -> CycleResult:
    """`risk_cycle`, with why nothing was done. Raises RiskExecutionFailed when a plan could not
    be carried out (after recording it as failed)."""
    from accounts.models import User

    config = trading_config_for(User(pk=user_id))
    if not config.risk_engine_enabled:
        return CycleResult(None, "The risk engine is disabled in your trading configuration.")
    if not service_status_for(user_id).running:
        return CycleResult(None, "Your trading service is stopped.")
    settings = risk_settings_for(config)
    live = list(
        PositionGroup.objects.filter(user_id=user_id, status__in=RISK_STATUSES, strategy="").select_related(
            "account"
        )
    )
    marks = group_marks(live) if live else {}
    freed = _TakenDown()  # winners whose take-profits this cycle took down
    action: RiskAction | None = None
    failure: Exception | None = None
    reason = ""
    try:
        for first_pass in (True, False):
            with transaction.atomic():
                now = timezone.now()
                snapshot = _lock_and_mark(user_id, marks, settings, now)
                plan, left_out = _plan(snapshot, settings, now, allow_take_profits=first_pass)
                holders = _holding_take_profits(snapshot, plan)
                if not (first_pass and holders):
                    action, failure = _carry_out(snapshot, plan, freed, user_id=user_id, trigger=trigger)
                    reason = "" if action else why_nothing(snapshot, settings, now, left_out)
                    _consume_skip_once(snapshot)
                    if on_done is not None:
                        on_done(action, reason)
                    break
            # Resting take-profits hold these winners' coins: down with them, then plan again.
            _take_down(snapshot, holders, freed)
    except Exception:
        _give_back_take_profits_now(freed)
        raise
    if failure is not None and action is not None:
        raise RiskExecutionFailed(action, failure) from failure
    return CycleResult(action, reason)


def _carry_out(
    snapshot: Snapshot, plan: risk.RiskPlan | None, freed: _TakenDown, *, user_id: Any, trigger: str
) -> tuple[RiskAction | None, Exception | None]:
    """Execute the plan (in a savepoint); a failure is recorded in its place, in the cycle's
    transaction, and returned. Take-profits taken down for winners that do not sell come back."""
    sold = {close.id for close in plan.winners} if plan else set()
    _give_back_take_profits(freed, freed.groups - sold)
    if plan is None:
        return None, None
    try:
        return _execute(snapshot, plan, user_id=user_id, trigger=trigger), None
    except Exception as exc:
        # The traceback for operators (the task's error log has it too); the trader's line below.
        logger.exception("risk: the offset of %s failed", plan.loser_id, extra={"service_log": False})
        _give_back_take_profits(freed, freed.groups & sold)
        failed = _record_failure(snapshot, plan, user_id=user_id, trigger=trigger, cause=exc)
        _action_log(failed, level=logging.WARNING)
        return failed, exc


def _plan(
    snapshot: Snapshot, settings: risk.RiskSettings, now: datetime, *, allow_take_profits: bool
) -> tuple[risk.RiskPlan | None, set[str]]:
    """The cycle's plan. On the second pass a winner still holding take-profits cannot sell: it
    sits out and the plan is made again without it."""
    left_out: set[str] = set()
    while True:
        plan = risk.plan_cycle(snapshot.candidates(left_out), settings, now)
        holders = _holding_take_profits(snapshot, plan)
        if allow_take_profits or not holders:
            return plan, left_out
        left_out |= holders


def _holding_take_profits(snapshot: Snapshot, plan: risk.RiskPlan | None) -> set[str]:
    return {close.id for close in plan.winners if snapshot.take_profits.get(close.id)} if plan else set()


@dataclass
class _TakenDown:
    groups: set[str] = field(default_factory=set)
    orders: set[str] = field(default_factory=set)  # the take-profits asked to cancel


def _take_down(snapshot: Snapshot, group_ids: set[str], taken: _TakenDown) -> None:
    for gid in group_ids:
        taken.groups.add(gid)
        for order_id in snapshot.take_profits.get(gid, []):
            taken.orders.add(order_id)
            try:
                order_cancel(order_id=order_id)
            except BrokerError as exc:
                logger.warning("risk: take-profit %s of %s not cancelled: %s", order_id, gid, exc.message)


def _give_back_setup(taken: _TakenDown, group_ids: set[str]) -> list[str]:
    """A take-profit whose cancel did not go through stays: withdraw the request (else the
    sweeper cancels it later). Returns the legs whose take-profits to put back."""
    if not group_ids:
        return []
    DCAOrder.objects.filter(
        pk__in=list(taken.orders), group_id__in=list(group_ids), status__in=LIVE_ORDER_STATUSES
    ).update(cancel_requested=False, updated_at=timezone.now())
    legs = DCAOrder.objects.filter(group_id__in=list(group_ids), role=OrderRole.LEG, filled_quantity__gt=0)
    return [str(pk) for pk in legs.values_list("pk", flat=True)]


def _give_back_take_profits(taken: _TakenDown, group_ids: set[str]) -> None:
    """After commit: take-profits taken down for winners that did not sell come back."""
    legs = _give_back_setup(taken, group_ids)
    if legs:
        # robust: a failure here must not stop the sales and the loser's close queued after it.
        transaction.on_commit(lambda: [leg_take_profit_sync(leg_id=leg) for leg in legs], robust=True)


def _give_back_take_profits_now(taken: _TakenDown) -> None:
    for leg in _give_back_setup(taken, taken.groups):
        try:
            leg_take_profit_sync(leg_id=leg)
        except Exception:
            logger.exception("risk: take-profit of leg %s not restored", leg)


def _consume_skip_once(snapshot: Snapshot) -> None:
    skipped = [gid for gid, group in snapshot.groups.items() if group.risk_skip_once]
    if skipped:
        PositionGroup.objects.filter(pk__in=skipped).update(risk_skip_once=False, updated_at=timezone.now())


def _winner_row(close: risk.WinnerClose, group: PositionGroup, order: DCAOrder | None) -> dict[str, Any]:
    return {
        "group": str(group.pk),
        "symbol": group.symbol,
        "timeframe": group.timeframe,
        "quantity": text(close.quantity),
        "price": text(close.price),
        "avg_entry": text(group.avg_entry),
        "expected_realized": text(close.expected_realized),
        "order": str(order.pk) if order is not None else None,
    }


def _execute(snapshot: Snapshot, plan: risk.RiskPlan, *, user_id: Any, trigger: str) -> RiskAction:
    with transaction.atomic():  # a savepoint: a failure undoes the closes, not the timers
        winners: list[dict[str, Any]] = []
        covered = ZERO
        for close in plan.winners:
            group = snapshot.groups[close.id]
            order = group_close_quantity(group=group, quantity=close.quantity, reason=WINNER_REASON)
            if order is None:  # dust after all: nothing sent, nothing realized
                continue
            covered += close.expected_realized
            winners.append(_winner_row(close, group, order))
        group_close(group=snapshot.groups[plan.loser_id], reason=LOSER_REASON)
        action = _record(snapshot, plan, user_id=user_id, trigger=trigger, winners=winners, covered=covered)
    _action_log(action)
    return action


_TRIGGERS = {"schedule": "scheduled run", "fill": "after a fill", "manual": "run by hand"}


def _action_log(action: RiskAction, *, level: int = logging.INFO) -> None:
    """The risk engine's action in the trader's log (category RISK), after the cycle commits;
    the positions it closes and sells tell their own lines (TRADING)."""
    what = "Risk engine offset" if action.status == RiskActionStatus.EXECUTED else "Risk engine offset failed"
    winners = [
        {"position_id": row.get("group"), "order_id": row.get("order"), "quantity": row.get("quantity")}
        for row in action.winners or []
    ]
    message = f"{what} ({_TRIGGERS.get(action.trigger, action.trigger)}): {action.details}"
    trade_log(
        action.user_id,
        message,
        level=level,
        category=RISK,
        risk_action_id=action.pk,
        position_id=action.loser_id,
        symbol=action.symbol,
        timeframe=action.timeframe,
        loser_loss=action.loser_loss,
        required=action.required,
        covered=action.covered,
        winners=winners,
        status=action.status,
    )
    failed = action.status != RiskActionStatus.EXECUTED
    notify(
        action.user_id,
        "risk_action",
        title=f"{what}: {action.symbol} {action.timeframe}",
        message=message,
        # A failed offset left the loser open and nothing sold: the trader has to look.
        level="error" if failed else None,
        link=f"/positions/{action.loser_id}" if action.loser_id else "/risk",
        data={
            "risk_action_id": str(action.pk),
            "position_id": str(action.loser_id) if action.loser_id else None,
            "status": action.status,
        },
    )


def _record(
    snapshot: Snapshot,
    plan: risk.RiskPlan,
    *,
    user_id: Any,
    trigger: str,
    winners: list[dict[str, Any]],
    covered: Decimal,
    status: str = RiskActionStatus.EXECUTED,
    details: str = "",
) -> RiskAction:
    loser, state = snapshot.groups[plan.loser_id], snapshot.states[plan.loser_id]
    fully = covered >= plan.required
    if not details:
        percent = state.unrealized_percent.quantize(Decimal("0.01"))
        details = (
            f"{loser.symbol} {loser.timeframe} closed in full ({text(plan.loser_quantity)} at about "
            f"{text(state.price)}): loss {text(state.unrealized)} ({text(percent)} %); "
            f"{len(winners)} winner(s) realize {text(covered)} of {text(plan.required)}"
            f"{'' if fully else ', not fully covered'}."
        )
    action = RiskAction.objects.create(
        user_id=user_id,
        loser=loser,
        symbol=loser.symbol,
        timeframe=loser.timeframe,
        loser_quantity=plan.loser_quantity,
        loser_price=state.price,
        loser_avg_entry=loser.avg_entry,
        loser_loss=state.unrealized,
        loser_loss_percent=state.unrealized_percent,
        required=plan.required,
        covered=covered,
        fully_covered=fully,
        winners=winners,
        trigger=trigger,
        status=status,
        details=details[:2000],
    )
    action.refresh_from_db()  # the columns' precision, as every later read shows it
    risk_action_event(action)
    return action


def _record_failure(
    snapshot: Snapshot, plan: risk.RiskPlan, *, user_id: Any, trigger: str, cause: Exception
) -> RiskAction:
    """The plan as it was, marked failed: nothing was sent."""
    winners = [_winner_row(close, snapshot.groups[close.id], None) for close in plan.winners]
    return _record(
        snapshot,
        plan,
        user_id=user_id,
        trigger=trigger,
        winners=winners,
        covered=ZERO,
        status=RiskActionStatus.FAILED,
        details=f"Nothing was sent: {type(cause).__name__}: {cause}",
    )
