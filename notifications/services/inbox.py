"""The in-app inbox: a user's notifications, read and unread."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from notifications.models import Notification

# The unread count is read on every notification (the live event carries it), so it is bounded:
# a user with thousands unread costs the same as one with a thousand. "1000" means "1000 or more".
UNREAD_COUNT_CAP = 1000


def notifications_for(*, user: Any, unread_only: bool = False, type: str = "") -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    rows = Notification.objects.filter(user=user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    if type:
        rows = rows.filter(type=type)
    return rows.order_by("-created_at", "-pk")


def unread_count(user_id: Any) -> int:
    """How many notifications the user has not read, at most UNREAD_COUNT_CAP."""
    unread = Notification.objects.filter(user_id=user_id, read_at__isnull=True).values("pk")
    return unread[:UNREAD_COUNT_CAP].count()


def notification_read(*, notification: Notification) -> Notification:
    """Mark one notification read (the caller scoped it to the user); reading it again keeps the
    first time it was read."""
    if notification.read_at is None:
        now = timezone.now()
        updated = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        if updated:
            notification.read_at = now
        else:
            notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_read_all(*, user: Any) -> int:
    """Mark every unread notification of the user read; returns how many were."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
