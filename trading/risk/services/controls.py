"""What a trader does with the risk engine by hand: run it now, leave a group out of the next
cycle (skip once), keep a group out until further notice (block). Each is audited in the
transaction that makes the change (reference/api.md, `risk/...`)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from accounts.models import User
from auditlog.services import record
from auditlog.services_logs import capture_error
from trading.positions.models import GroupStatus, PositionGroup
from trading.risk.models import RiskAction, RiskTrigger
from trading.risk.services.cycle import CycleResult, RiskExecutionFailed, cycle_run
from trading.runtime.services import service_status_for
from trading.settings.services import trading_config_for

# A group that is not closing yet: a trader may set its controls ahead of the engine.
CONTROLLABLE = (GroupStatus.WAITING, GroupStatus.LIVE, GroupStatus.PARTIALLY_FILLED, GroupStatus.ACTIVE)


class RiskUnavailable(Exception):
    """The engine cannot run for this user now: `code` says why (a 409)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


def risk_run_now(*, user: User, actor: Any = None, request: HttpRequest | None = None) -> CycleResult:
    """One cycle now (trigger `manual`): the action it took, or why it took none. Raises
    RiskUnavailable when the risk engine is disabled or the trading service is stopped."""
    if not trading_config_for(user).risk_engine_enabled:
        raise RiskUnavailable("risk_disabled", "The risk engine is disabled in your trading configuration.")
    if not service_status_for(user.pk).running:
        raise RiskUnavailable(
            "service_stopped", "Your trading service is stopped; start it to run the risk engine."
        )

    def audit(action: RiskAction | None, reason: str) -> None:
        record(
            action="risk.run",
            actor=actor if actor is not None else user,
            owner=user,
            resource=action,
            resource_type="trading.RiskAction",
            request=request,
            changes={
                "trigger": RiskTrigger.MANUAL,
                "action": str(action.pk) if action is not None else None,
                "status": action.status if action is not None else None,
                "reason": reason or None,
            },
        )

    try:
        return cycle_run(user_id=user.pk, trigger=RiskTrigger.MANUAL, on_done=audit)
    except RiskExecutionFailed as exc:
        capture_error(exc, context={"source": "risk_run_now"}, user=user)
        return CycleResult(exc.action, exc.action.details)


def _control(
    *,
    user: User,
    group_id: Any,
    field: str,
    value: bool,
    action: str,
    actor: Any,
    request: HttpRequest | None,
) -> PositionGroup:
    """Set one of a group's risk controls. PositionGroup.DoesNotExist for another user's group
    (a 404); ValidationError `not_open` when the group is closing or closed (a 409)."""
    with transaction.atomic():
        group = PositionGroup.objects.select_for_update().get(user=user, pk=group_id)
        if group.status not in CONTROLLABLE:
            raise ValidationError(
                f"The position is {group.status}; the risk engine no longer acts on it.", code="not_open"
            )
        before = getattr(group, field)
        if before != value:
            setattr(group, field, value)
            group.save(update_fields=[field, "updated_at"])
            record(
                action=action,
                actor=actor if actor is not None else user,
                owner=user,
                resource=group,
                request=request,
                changes={field: [before, value], "symbol": group.symbol, "timeframe": group.timeframe},
            )
    return group


def risk_group_skip_once(
    *, user: User, group_id: Any, actor: Any = None, request: HttpRequest | None = None
) -> PositionGroup:
    """Leave the group out of the next risk cycle, as loser and as winner; the flag clears itself."""
    return _control(
        user=user,
        group_id=group_id,
        field="risk_skip_once",
        value=True,
        action="risk.skip_once",
        actor=actor,
        request=request,
    )


def risk_group_block(
    *, user: User, group_id: Any, blocked: bool, actor: Any = None, request: HttpRequest | None = None
) -> PositionGroup:
    """Keep the group out of every risk cycle (`blocked`), or let the engine see it again."""
    return _control(
        user=user,
        group_id=group_id,
        field="risk_blocked",
        value=blocked,
        action="risk.block" if blocked else "risk.unblock",
        actor=actor,
        request=request,
    )
