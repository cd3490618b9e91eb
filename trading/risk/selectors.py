"""Reads of the risk engine: the risk panel (`GET risk`) and the history of its actions.

The panel shows the user's live groups as the next cycle will see them, at their last marked
price (the take-profit monitor and every risk cycle mark them): no exchange request on a read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from trading.risk import decisions as risk
from trading.risk.models import RiskAction
from trading.risk.services.state import RISK_STATUSES, Snapshot, risk_settings_for, snapshot_build
from trading.runtime.services import service_status_for
from trading.settings.services import trading_config_for

RECENT_ACTIONS = 20


def risk_actions(*, user: User) -> QuerySet[RiskAction]:
    return RiskAction.objects.filter(user=user).order_by("-created_at", "-id")


def group_risk_state(state: risk.GroupState, settings: risk.RiskSettings, now: datetime) -> str:
    """Where a group stands with the engine, in the order a trader reads it."""
    if state.blocked:
        return "blocked"
    if state.skip_once:
        return "skip_once"
    if not risk.is_eligible(state, settings):
        return "not_eligible"
    if state.unrealized_percent > settings.loss_threshold_percent:
        return "recovered"  # above the threshold: the countdown keeps starting over
    if state.timer_expires_at is None or state.timer_expires_at > now:
        return "timer"
    return "expired"


def _group_rows(snapshot: Snapshot, settings: risk.RiskSettings, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for gid, state in snapshot.states.items():
        group = snapshot.groups[gid]
        expires = state.timer_expires_at
        rows.append(
            {
                "id": group.pk,
                "symbol": group.symbol,
                "timeframe": group.timeframe,
                "status": group.status,
                "pyramid_count": group.pyramid_count,
                "required_pyramids": settings.required_pyramids_for_timer,
                "all_legs_filled": state.all_legs_filled,
                "eligible": risk.is_eligible(state, settings),
                "price": state.price or None,
                "loss": state.unrealized,
                "loss_percent": state.unrealized_percent,
                "timer_expires_at": expires,
                "timer_remaining_seconds": (
                    max(int((expires - now).total_seconds()), 0) if expires is not None else None
                ),
                "state": group_risk_state(state, settings, now),
                "blocked": state.blocked,
                "skip_once": state.skip_once,
                "close_in_flight": gid in snapshot.busy,
            }
        )
    return rows


def _plan_body(snapshot: Snapshot, plan: risk.RiskPlan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    loser, state = snapshot.groups[plan.loser_id], snapshot.states[plan.loser_id]
    return {
        "loser": {
            "id": loser.pk,
            "symbol": loser.symbol,
            "timeframe": loser.timeframe,
            "quantity": plan.loser_quantity,
            "price": state.price,
            "avg_entry": state.avg_entry,
            "loss": state.unrealized,
            "loss_percent": state.unrealized_percent,
        },
        "required": plan.required,
        "covered": plan.covered,
        "fully_covered": plan.fully_covered,
        "winners": [
            {
                "id": snapshot.groups[close.id].pk,
                "symbol": snapshot.groups[close.id].symbol,
                "timeframe": snapshot.groups[close.id].timeframe,
                "quantity": close.quantity,
                "price": close.price,
                "expected_realized": close.expected_realized,
            }
            for close in plan.winners
        ],
    }


def risk_panel(*, user: User) -> dict[str, Any]:
    """The risk panel: settings, each live group's standing, the winners available, the plan
    the next cycle would carry out now, and the latest actions."""
    config = trading_config_for(user)
    settings = risk_settings_for(config)
    now = timezone.now()
    groups = list(user.position_groups.filter(status__in=RISK_STATUSES).order_by("opened_at", "id"))
    snapshot = snapshot_build(groups, {}, settings, now)
    candidates = snapshot.candidates()
    plan = risk.plan_cycle(candidates, settings, now)
    winners = sorted(
        (s for s in candidates if s.unrealized > 0 and not s.blocked and not s.skip_once),
        key=lambda s: (-s.unrealized, s.opened_at, s.id),
    )
    return {
        "enabled": config.risk_engine_enabled,
        "service_running": service_status_for(user.pk).running,
        "settings": {
            "required_pyramids_for_timer": settings.required_pyramids_for_timer,
            "post_full_wait_minutes": settings.post_full_wait_minutes,
            "loss_threshold_percent": settings.loss_threshold_percent,
            "max_winners_to_combine": settings.max_winners_to_combine,
        },
        "groups": _group_rows(snapshot, settings, now),
        "winners": [
            {
                "id": snapshot.groups[s.id].pk,
                "symbol": snapshot.groups[s.id].symbol,
                "timeframe": snapshot.groups[s.id].timeframe,
                "profit": s.unrealized,
            }
            for s in winners
        ],
        "projected_plan": _plan_body(snapshot, plan),
        "recent_actions": list(risk_actions(user=user)[:RECENT_ACTIONS]),
    }
