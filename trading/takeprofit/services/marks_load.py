"""A take-profit batch's groups read in bulk (three queries) and turned into the pure states
`triggers.evaluate` decides (marks.py runs the batch)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q

from brokers.markets import market_from_json
from trading.execution.prices import source_of
from trading.positions.models import (
    EVALUATED_GROUP_STATUSES,
    LIVE_ORDER_STATUSES,
    RESTING_STATUSES,
    DCAOrder,
    OrderRole,
    Pyramid,
)
from trading.positions.models import PositionGroup as Group
from trading.takeprofit import triggers
from trading.takeprofit.services import quiet_marks as services_quiet_marks

logger = logging.getLogger("tradefleet.trading.marks")


@dataclass
class Loaded:
    pk: Any
    user_id: Any
    scope: str
    symbol: str
    updated_at: datetime
    state: triggers.GroupState | None  # None: its rows could not be read as expected


_GROUP_FIELDS = (
    "pk",
    "account_id",
    "user_id",
    "exchange",
    "account__price_source",
    "account__mode",
    "symbol",
    "side",
    "status",
    "tp_mode",
    "tp_aggregate_percent",
    "trailing_deviation_percent",
    "stop_loss_percent",
    "cancel_dca_beyond_percent",
    "tp_target_price",
    "trailing_active",
    "trailing_peak",
    "last_leg_exit_at",
    "last_evaluated_at",
    "market_snapshot",
    "updated_at",
)
_ORDER_FIELDS = (
    "group_id",
    "pk",
    "pyramid_id",
    "leg_id",
    "role",
    "status",
    "level",
    "price",
    "filled_quantity",
    "avg_fill_price",
    "fees",
    "base_fees",
    "closed_quantity",
    "tp_price",
    "tp_status",
    "tp_peak",
    "cancel_requested",
)


def marks_load(
    account_ids: Sequence[str],
    *,
    quiet_at: tuple[Mapping[str, Mapping[str, Decimal]], datetime] | None = None,
    symbols: Sequence[str] | None = None,
) -> dict[str, list[Loaded]]:
    """The evaluated groups of these accounts with what decides them: their legs (filled or
    live), live exits and, where a rule needs them, their pyramids. Three queries. With `quiet_at`
    (a tick's prices and time), the groups in their quiet band at those prices are left out; with `symbols`,
    only the groups of those symbols (a partition of the tick)."""
    queryset = Group.objects.filter(
        account_id__in=account_ids, status__in=EVALUATED_GROUP_STATUSES, strategy=""
    )
    if quiet_at is not None:
        queryset = services_quiet_marks.undecided(queryset, *quiet_at)
    if symbols is not None:
        queryset = queryset.filter(symbol__in=symbols)
    groups = list(queryset.order_by().values_list(*_GROUP_FIELDS))
    ids = [g[0] for g in groups]
    orders: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
    for row in (
        DCAOrder.objects.filter(group_id__in=ids)
        .filter(Q(role=OrderRole.LEG, filled_quantity__gt=0) | Q(status__in=LIVE_ORDER_STATUSES))
        .order_by()  # the default ordering would join every group
        .values_list(*_ORDER_FIELDS)
    ):
        orders[row[0]].append(row)
    need_pyramids = [g[0] for g in groups if g[13] or g[9] == "pyramid_aggregate"]
    pyramids: dict[Any, list[triggers.PyramidState]] = defaultdict(list)
    if need_pyramids:
        for group_id, pk, entry, target, active, peak, closed_at in (
            Pyramid.objects.filter(group_id__in=need_pyramids)
            .order_by()
            .values_list(
                "group_id",
                "pk",
                "entry_price",
                "tp_target_price",
                "trailing_active",
                "trailing_peak",
                "closed_at",
            )
        ):
            pyramids[group_id].append(
                triggers.PyramidState(pk, entry, closed_at is not None, target, active, peak)
            )
    out: dict[str, list[Loaded]] = defaultdict(list)
    rules_memo: dict[Any, triggers.Rules] = {}
    for row in groups:
        pk, account_id, user_id, exchange, price_source, mode, symbol = row[:7]
        try:
            state: triggers.GroupState | None = _state(
                row, orders.get(pk, []), pyramids.get(pk, []), rules_memo
            )
        except (KeyError, TypeError, ValueError, ArithmeticError):
            # One group's odd rows (a broken market snapshot) must not stop the batch: it goes the
            # full way, inside its user's isolation, where a failure is recorded for that user.
            logger.exception("group %s: cannot decide it in bulk", pk)
            state = None
        source = source_of(exchange, price_source, mode)
        out[str(account_id)].append(Loaded(pk, user_id, source.scope, symbol, row[20], state))
    return out


def _rules(snapshot: dict[str, Any], memo: dict[Any, triggers.Rules]) -> triggers.Rules:
    """The group's market rules; the groups of one symbol carry the same snapshot, so it is
    parsed once per batch (a snapshot that cannot be parsed raises every time, as before)."""
    try:
        key: Any = tuple(sorted(snapshot.items()))
        hash(key)
    except TypeError:
        key = None
    if key is not None and (rules := memo.get(key)) is not None:
        return rules
    market = market_from_json(snapshot)
    rules = triggers.Rules(market.tick_size, market.step_size, market.min_qty, market.min_notional)
    if key is not None:
        memo[key] = rules
    return rules


def _state(
    row: tuple[Any, ...],
    orders: list[tuple[Any, ...]],
    pyramids: list[triggers.PyramidState],
    rules_memo: dict[Any, triggers.Rules],
) -> triggers.GroupState:
    rules = _rules(row[19] or {}, rules_memo)
    live = set(LIVE_ORDER_STATUSES)
    live_exits_of: set[Any] = {o[3] for o in orders if o[4] != OrderRole.LEG and o[5] in live and o[3]}
    legs, exits = [], []
    for (
        _,
        pk,
        pyramid,
        _,
        role,
        status,
        level,
        price,
        filled,
        avg,
        fees,
        base_fees,
        closed,
        tp,
        tp_status,
        peak,
        cancel,
    ) in orders:
        if role == OrderRole.LEG:
            is_live = status in live
            legs.append(
                triggers.Leg(
                    pyramid=pyramid,
                    filled=filled,
                    avg_price=avg,
                    fees=fees,
                    base_fees=base_fees,
                    closed=closed,
                    live=is_live,
                    resting=status in RESTING_STATUSES,
                    cancellable=is_live and filled == 0 and level != 0 and not cancel,
                    tp_price=tp,
                    trailing=tp_status == "trailing",
                    tp_peak=peak,
                    has_live_exit=pk in live_exits_of,
                )
            )
        elif status in live:
            exits.append(triggers.Exit(role=role, pyramid=pyramid, price=price))
    return triggers.GroupState(
        side=row[7],
        status=row[8],
        tp_mode=row[9],
        tp_aggregate_percent=row[10],
        trailing_deviation_percent=row[11],
        stop_loss_percent=row[12],
        cancel_dca_beyond_percent=row[13],
        tp_target_price=row[14],
        trailing_active=row[15],
        trailing_peak=row[16],
        last_leg_exit_at=row[17],
        last_evaluated_at=row[18],
        rules=rules,
        legs=tuple(legs),
        exits=tuple(exits),
        pyramids=tuple(pyramids),
    )
