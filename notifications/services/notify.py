"""notify(): the one call every app makes to tell a user something.

    notify(user.pk, "leg_filled", title="BTC/USDT leg 2 filled", message="0.01 @ 61,250",
           link=f"/positions/{group.pk}", group_key=f"fills:{tick_id}")

Cheap enough for the engine's hot paths: one INSERT (two when e-mail or Telegram needs the
notification: its delivery rows, in one statement), the preferences from a per-process snapshot,
nothing sent before the caller's transaction commits, nothing at all if it rolls back. After the
commit: the live `notification.created` event to the user's sockets (in-app), and a delivery task
per outbound channel; grouped notifications wait NOTIFY_GROUP_WINDOW_SECONDS so a burst leaves as
one message.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from config.tasks import task_named
from notifications import events
from notifications import types as catalogue
from notifications.models import Notification, NotificationDelivery

from .preferences import preference_snapshot

logger = logging.getLogger(__name__)

DELIVER_TASK = "notifications.tasks.deliver_many"
# Delivery tasks wait behind signals (1), take-profit ticks (3) and order placement (5) on a busy
# worker: a message may leave a second later, an order may not.
DELIVER_PRIORITY = 7
# The delivery tasks a worker's task has caused, held until it ends (deliveries_enqueue_hold).
_held = threading.local()


def notify(
    user_id: Any,
    type: str,
    *,
    title: str,
    message: str,
    level: str | None = None,
    link: str = "",
    data: dict[str, Any] | None = None,
    group_key: str = "",
) -> Notification | None:
    """Notify one user (see the module docstring). Returns the notification, or None when the
    user's preferences want it on no channel at all (then nothing is written)."""
    if type not in catalogue.ALL_TYPE_NAMES:
        raise ValueError(f"unknown notification type {type!r}; add it to notifications/types.py")
    level = level or catalogue.default_level(type)
    if level not in catalogue.LEVEL_RANK:
        raise ValueError(f"unknown level {level!r}; one of {catalogue.LEVELS}")
    snapshot = preference_snapshot(user_id)
    in_app = snapshot.wants(catalogue.IN_APP, type, level)
    outbound = snapshot.outbound(type, level)
    if not in_app and not outbound:
        return None
    now = timezone.now()
    notification = Notification(
        user_id=getattr(user_id, "pk", user_id),
        type=type,
        level=level,
        title=title[:200],
        message=message,
        link=link[:300],
        data=events.json_safe(data or {}),
        group_key=group_key[:100],
        # Wanted only outside the app: on the list for the record, never counted as unread.
        read_at=None if in_app else now,
        created_at=now,
    )
    notification.save(force_insert=True)
    deliveries = deliveries_create(notification, outbound, group_key=group_key) if outbound else []
    transaction.on_commit(
        partial(
            _after_commit, notification, [d.pk for d in deliveries], publish=in_app, grouped=bool(group_key)
        ),
        robust=True,
    )
    return notification


def notify_admins(
    type: str,
    *,
    title: str,
    message: str,
    level: str | None = None,
    link: str = "",
    data: dict[str, Any] | None = None,
    group_key: str = "",
) -> list[Notification]:
    """notify() every active admin (the admin-only types: ML jobs, error spikes, lockouts)."""
    admins = User.objects.filter(role=Role.ADMIN, is_active=True).values_list("pk", flat=True)
    sent = [
        notify(pk, type, title=title, message=message, level=level, link=link, data=data, group_key=group_key)
        for pk in admins
    ]
    return [n for n in sent if n is not None]


def batch_key_for(notification: Notification, group_key: str) -> str:
    """Deliveries with the same key (same user, type and group key) leave as one message."""
    if not group_key:
        return ""
    return f"{notification.user_id.hex}:{notification.type}:{group_key}"[:200]


def deliveries_create(
    notification: Notification, channels: Iterable[str], *, group_key: str = ""
) -> list[NotificationDelivery]:
    """The delivery rows of a notification, in one INSERT (the caller enqueues them on commit)."""
    window = settings.NOTIFY_GROUP_WINDOW_SECONDS if group_key else 0
    due = notification.created_at + timedelta(seconds=window)
    rows = [
        NotificationDelivery(
            notification=notification,
            channel=channel,
            batch_key=batch_key_for(notification, group_key),
            next_attempt_at=due,
            created_at=notification.created_at,
        )
        for channel in channels
    ]
    return NotificationDelivery.objects.bulk_create(rows)


def deliveries_enqueue(delivery_ids: Iterable[int], *, countdown: float = 0) -> None:
    """Send the delivery tasks for these ids (call it after commit), NOTIFY_DRAIN_CHUNK ids a task.
    Inside a worker's task (a tick that notifies a thousand traders) they are held and sent when
    the task ends, so the tick sends a few tasks instead of one per notification and the worker
    that drains them pays Celery's cost once per chunk."""
    ids = list(delivery_ids)
    held: dict[float, list[int]] | None = getattr(_held, "ids", None)
    if held is None:
        _enqueue_now(ids, countdown)
        return
    held.setdefault(countdown, []).extend(ids)
    if len(held[countdown]) >= settings.NOTIFY_DRAIN_CHUNK:
        _enqueue_now(held.pop(countdown), countdown)


def deliveries_enqueue_hold() -> None:
    """From now until deliveries_enqueue_release(), this thread's delivery tasks wait (the
    worker's task_prerun; config/celery.py)."""
    _held.ids = {}


def deliveries_enqueue_release() -> None:
    """Send the delivery tasks held since deliveries_enqueue_hold() (the worker's task_postrun).
    A worker killed before this leaves the rows pending: the sweeper sends them later."""
    held: dict[float, list[int]] | None = getattr(_held, "ids", None)
    _held.ids = None
    for countdown, ids in (held or {}).items():
        _enqueue_now(ids, countdown)


def _enqueue_now(ids: list[int], countdown: float) -> None:
    """A broker that refuses is logged: the rows stay pending and the sweeper sends them later."""
    task = task_named(DELIVER_TASK)
    chunk = max(1, settings.NOTIFY_DRAIN_CHUNK)
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        try:
            task.apply_async(
                kwargs={"delivery_ids": part}, countdown=countdown or None, priority=DELIVER_PRIORITY
            )
        except Exception:
            logger.exception("could not enqueue %d notification deliveries; the sweeper will", len(part))


def _after_commit(
    notification: Notification, delivery_ids: list[int], *, publish: bool, grouped: bool
) -> None:
    if publish:
        events.publish(
            notification.user_id,
            events.NOTIFICATION_CREATED,
            {
                "id": notification.pk,
                "type": notification.type,
                "level": notification.level,
                "title": notification.title,
                "message": notification.message,
                "link": notification.link,
                "created_at": notification.created_at,
                # `unread_count` is added by the socket (notifications/consumers.py), per viewer.
            },
        )
    if delivery_ids:
        deliveries_enqueue(delivery_ids, countdown=settings.NOTIFY_GROUP_WINDOW_SECONDS if grouped else 0)
