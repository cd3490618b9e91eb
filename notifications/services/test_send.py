"""A test notification the user asked for, on one channel, now: proof that a channel works."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from notifications import types as catalogue
from notifications.models import Notification

from .delivery import channel_problem
from .errors import NotificationConflict
from .notify import deliveries_create, deliveries_enqueue, notify
from .preferences import preferences_for

TITLE = "Test notification"
MESSAGES = {
    catalogue.IN_APP: "Notifications reach you in the app.",
    catalogue.EMAIL: "Notifications reach you by e-mail.",
    catalogue.TELEGRAM: "Notifications reach you on Telegram.",
}


def notification_test_send(*, user: Any, channel: str) -> Notification:
    """In-app: a notification on the bell now. E-mail or Telegram: a delivery queued for the
    workers, whatever the type switches, minimum levels and quiet hours say (the user asked).
    Raises NotificationConflict when the channel is not set up."""
    if channel not in catalogue.CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if channel == catalogue.IN_APP:
        notification = notify(user.pk, catalogue.TEST, title=TITLE, message=MESSAGES[channel])
        if notification is None:  # the app's own types always reach the app
            raise RuntimeError("a test notification was not created")
        return notification
    problem = channel_problem(channel, preferences_for(user))
    if problem is not None:
        code, message = problem
        raise NotificationConflict(message, code=code)
    with transaction.atomic():
        notification = Notification.objects.create(
            user=user,
            type=catalogue.TEST,
            level=catalogue.INFO,
            title=TITLE,
            message=MESSAGES[channel],
            read_at=timezone.now(),  # sent elsewhere; not one more unread on the bell
        )
        ids = [d.pk for d in deliveries_create(notification, [channel])]
        transaction.on_commit(lambda: deliveries_enqueue(ids), robust=True)
    return notification
