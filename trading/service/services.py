"""The trader's controls of their trading service: start, stop (optionally closing every open
position and emptying the queue), and the heartbeat.

Stopped means: no new entries (the routes carry `service_running`), no queue promotion, no
scheduled tasks of the user's own (their beat rows are disabled, and a run that still arrives is
recorded as skipped); the fill and take-profit monitors keep watching open positions unless the
user stops with `close_all`. The state itself, and how a user's work runs, is
trading/runtime/services.py.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from auditlog.services import record
from config.tasks import task_named
from notifications.events import SERVICE_UPDATED, publish
from notifications.services.notify import notify
from trading.equities.services.schedules import strategy_schedules_sync
from trading.execution.services.exits import open_groups_close
from trading.queue.services.queue import queue_clear
from trading.runtime import task_names as names
from trading.runtime.journal import trade_log
from trading.runtime.models import ServiceStatus
from trading.runtime.services import service_event_data, service_status_for
from trading.service.schedules import schedules_sync

logger = logging.getLogger("tradefleet.trading.service")


class ServiceStateConflict(Exception):
    """Start on a running service, stop on a stopped one: a 409 with the current state."""

    def __init__(self, code: str, detail: str, status: ServiceStatus) -> None:
        super().__init__(detail)
        self.code, self.detail, self.status = code, detail, status


def _locked(user: Any) -> ServiceStatus:
    service_status_for(user.pk)
    return ServiceStatus.objects.select_for_update().get(user_id=user.pk)


def _audit(
    action: str, *, user: Any, actor: Any, request: HttpRequest | None, status: ServiceStatus, **extra: Any
) -> None:
    record(
        action=action,
        actor=actor if actor is not None else getattr(request, "user", None) or user,
        owner=user,
        resource=status,
        request=request,
        changes={"running": {"before": not status.running, "after": status.running}, **extra},
    )


def _by_whom(*, user: Any, actor: Any, request: HttpRequest | None, reason: str) -> tuple[str, str]:
    """Who started or stopped the service, as the trader reads it, and as a code for the data:
    the trader (API), an admin (Django admin, or any other user acting on them), or the system
    (no one signed in: a task; `reason` says why)."""
    acting = actor if actor is not None else getattr(request, "user", None)
    if acting is None or not getattr(acting, "is_authenticated", False):
        return (f"by the system ({reason})" if reason else "by the system"), "system"
    if str(acting.pk) == str(user.pk):
        return "by you", "user"
    return "by an administrator", "admin"


def _tell(user: Any, kind: str, sentence: str, *, by: str, level: int, **data: Any) -> None:
    """The trader's journal line and notification of a start or stop (sent once it commits)."""
    trade_log(user.pk, sentence, level=level, by=by, **data)
    title = "Trading service started" if kind == "service_started" else "Trading service stopped"
    notify(user.pk, kind, title=title, message=sentence, link="/service", data={"by": by, **data})


def service_start(
    *, user: Any, request: HttpRequest | None = None, actor: Any = None, reason: str = ""
) -> ServiceStatus:
    """Start the user's service: their schedules enabled and their work dispatched now. `reason`
    is for a start by the system (no request, no actor): the trader's notification says it."""
    with transaction.atomic():
        status = _locked(user)
        if status.running:
            raise ServiceStateConflict("already_running", "Your trading service is already running.", status)
        status.running = True
        status.started_at = timezone.now()
        status.save(update_fields=["running", "started_at", "updated_at"])  # save(): bumps the routes
        rows = schedules_sync(user_id=user.pk, enabled=True)
        rows += strategy_schedules_sync(user_id=user.pk, running=True)
        _audit(
            "trading_service.start",
            user=user,
            actor=actor,
            request=request,
            status=status,
            schedules=len(rows),
        )
        who, by = _by_whom(user=user, actor=actor, request=request, reason=reason)
        _tell(
            user,
            "service_started",
            f"Trading service started {who}: new entries, queue promotion and scheduled tasks run again.",
            by=by,
            level=logging.INFO,
        )
        user_id = str(user.pk)
        transaction.on_commit(lambda: _dispatch_user_work(user_id))
        publish(user.pk, SERVICE_UPDATED, service_event_data(status))
    return status


def service_stop(
    *,
    user: Any,
    close_all: bool = False,
    request: HttpRequest | None = None,
    actor: Any = None,
    reason: str = "",
) -> ServiceStatus:
    """Stop the user's service; with `close_all`, also close every open position and empty the
    queue. Without it, open positions keep their take-profits and fills are still watched.
    `reason` is for a stop by the system (no request, no actor): the trader's notification says it."""
    with transaction.atomic():
        status = _locked(user)
        if not status.running:
            raise ServiceStateConflict("already_stopped", "Your trading service is already stopped.", status)
        status.running = False
        status.stopped_at = timezone.now()
        status.save(update_fields=["running", "stopped_at", "updated_at"])
        schedules_sync(user_id=user.pk, enabled=False)
        strategy_schedules_sync(user_id=user.pk, running=False)
        closing, dequeued = 0, None
        if close_all:
            closing = open_groups_close(user_id=user.pk, reason="service_stopped")
            dequeued = queue_clear(user_id=user.pk, reason="service_stopped")
        _audit(
            "trading_service.stop",
            user=user,
            actor=actor,
            request=request,
            status=status,
            close_all=close_all,
            groups_closing=closing,
            queue_cleared=dequeued,
        )
        who, by = _by_whom(user=user, actor=actor, request=request, reason=reason)
        if close_all:
            after = (
                f"{closing} open position(s) closing at market and {dequeued or 0} queued signal(s) "
                "cancelled."
            )
        else:
            after = "open positions keep their take-profits and fills are still watched."
        _tell(
            user,
            "service_stopped",
            f"Trading service stopped {who}: no new entries, no queue promotion, no scheduled tasks; {after}",
            by=by,
            level=logging.WARNING,
            close_all=close_all,
            groups_closing=closing,
            queue_cleared=dequeued or 0,
        )
        publish(user.pk, SERVICE_UPDATED, service_event_data(status))
    return status


# Sent once the start commits: a promotion of what waits in the queue, a risk cycle, and a
# heartbeat for this user alone (so the status turns healthy without waiting for the next tick).
_START_WORK = (
    (names.PROMOTE_QUEUES, {}),
    (names.RISK_USERS, {"trigger": "manual"}),
    (names.SERVICE_HEARTBEAT, {}),
)


def _dispatch_user_work(user_id: str) -> None:
    for name, extra in _START_WORK:
        kwargs = {"user_ids": [user_id], **extra}
        try:
            task_named(name).apply_async(kwargs=kwargs)
        except Exception:
            # The start is committed; the beat ticks (queue 10 s, risk 30 s) catch up on their own.
            logger.exception("could not dispatch %s after a start", name, extra={"user_id": user_id})


def service_heartbeat_write(*, user_ids: list[Any] | None = None) -> int:
    """Every running service's heartbeat, in one UPDATE (a worker writing it proves the fleet
    works for them). Returns how many were written."""
    running = ServiceStatus.objects.filter(running=True)
    if user_ids is not None:
        running = running.filter(user_id__in=user_ids)
    return running.update(last_heartbeat=timezone.now())
