"""Use cases people trigger on positions: close by hand (API, Django admin)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from auditlog.services import record
from trading.execution.services.exits import group_close
from trading.positions.models import PositionGroup


def position_close(
    *, group: PositionGroup, actor: Any, reason: str = "manual", request: HttpRequest | None = None
) -> PositionGroup:
    """Close a group at market: unfilled orders are cancelled, what is held is sold. Audited.
    Raises ValidationError (code `already_closed`) when it is closed already."""
    with transaction.atomic():
        before = group.status
        # The owner knows they asked; anyone else closing it is named by role in the owner's log.
        mine = getattr(actor, "pk", None) == group.user_id
        why = "" if mine or reason == "admin" else "at an administrator's request"
        group = group_close(group=group, reason=reason, why=why)
        record(
            action="position.close",
            actor=actor,
            owner=group.user,
            resource=group,
            request=request,
            changes={"status": [before, group.status], "reason": reason, "symbol": group.symbol},
        )
    return group
