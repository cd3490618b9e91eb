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

from .inbox import unread_count
from .preferences import preference_snapshot

logger = logging.getLogger(__name__)

DELIVER_TASK = "notifications.tasks.deliver"


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
    """Send a delivery task per id now (call it after commit). A broker that refuses is logged:
    the rows stay pending and the sweeper sends them later."""
    task = task_named(DELIVER_TASK)
    for delivery_id in delivery_ids:
        try:
            task.apply_async(kwargs={"delivery_id": delivery_id}, countdown=countdown or None)
        except Exception:
            logger.exception("could not enqueue notification delivery %s; the sweeper will", delivery_id)


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
                "unread_count": unread_count(notification.user_id),
            },
        )
    if delivery_ids:
        deliveries_enqueue(delivery_ids, countdown=settings.NOTIFY_GROUP_WINDOW_SECONDS if grouped else 0)
