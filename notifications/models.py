"""Notifications (issue 19): what happened, for whom, and how far each channel got with it.

- `NotificationPreference`: one per user, created the first time the user changes something;
  until then the catalogue's defaults apply (notifications/types.py).
- `Notification`: one row per event per user, written in the caller's transaction by
  `notify()` (notifications/services/notify.py); in-app it is "delivered" by the live event.
- `NotificationDelivery`: one row per outbound channel (e-mail, Telegram) that needs it, the
  workers' unit of work: claimed, sent once, retried, held for quiet hours, or given up.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from . import types as catalogue

__all__ = [
    "Channel",
    "DeliveryState",
    "Level",
    "Notification",
    "NotificationDelivery",
    "NotificationPreference",
]


class Level(models.TextChoices):
    INFO = catalogue.INFO, "Info"
    WARNING = catalogue.WARNING, "Warning"
    ERROR = catalogue.ERROR, "Error"
    CRITICAL = catalogue.CRITICAL, "Critical"


class Channel(models.TextChoices):
    IN_APP = catalogue.IN_APP, "In-app"
    EMAIL = catalogue.EMAIL, "E-mail"
    TELEGRAM = catalogue.TELEGRAM, "Telegram"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    # Claimed by a worker that is talking to the provider now (notifications/services/delivery.py).
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    HELD = "held", "Held for quiet hours"
    SKIPPED = "skipped", "Skipped"


class NotificationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
    )
    email_enabled = models.BooleanField(default=True)
    # Blank: the account's own address, so a changed login e-mail is followed.
    email_address = models.EmailField(blank=True, default="")
    telegram_enabled = models.BooleanField(default=False)
    # Set by the link flow (`/start <code>` to the bot); group chats have negative ids.
    telegram_chat_id = models.BigIntegerField(null=True, blank=True)
    # SHA-256 of the pending link code (single use, NOTIFY_TELEGRAM_LINK_MINUTES).
    telegram_link_code_hash = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    telegram_link_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # {type: {channel: bool}}: only what the user set; the catalogue supplies the rest.
    types = models.JSONField(default=dict, blank=True)
    min_level_in_app = models.CharField(max_length=8, choices=Level.choices, default=Level.INFO)
    min_level_email = models.CharField(max_length=8, choices=Level.choices, default=Level.WARNING)
    min_level_telegram = models.CharField(max_length=8, choices=Level.choices, default=Level.WARNING)
    # Local wall times in `timezone`; both or neither.
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", help_text="IANA time zone name")
    critical_through_quiet = models.BooleanField(
        default=True, help_text="Critical notifications are sent during quiet hours too"
    )
    daily_summary_time = models.TimeField(null=True, blank=True)
    # The local date of the last summary sent: at most one a day, whatever beat does.
    last_summary_on = models.DateField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(quiet_hours_start__isnull=True, quiet_hours_end__isnull=True)
                | Q(quiet_hours_start__isnull=False, quiet_hours_end__isnull=False),
                name="notifications_quiet_hours_both_or_neither",
            ),
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["daily_summary_time"],
                name="notif_pref_summary_time",
                condition=Q(daily_summary_time__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"notification preferences of {self.user_id}"

    def min_level(self, channel: str) -> str:
        return str(getattr(self, f"min_level_{channel}"))


class Notification(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    type = models.CharField(max_length=32)
    level = models.CharField(max_length=8, choices=Level.choices)
    title = models.CharField(max_length=200)
    message = models.TextField(blank=True, default="")
    # A path in the web app (`/positions/<id>`), or blank.
    link = models.CharField(max_length=300, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    # Notifications of one user, type and key are sent to e-mail and Telegram as one message
    # (`fills:<tick id>`: thirty legs filled in one tick are one message listing them).
    group_key = models.CharField(max_length=100, blank=True, default="")
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ("-created_at",)
        indexes: ClassVar = [
            models.Index(fields=["user", "read_at", "-created_at"], name="notif_user_read_created"),
            models.Index(fields=["user", "-created_at"], name="notif_user_created"),
        ]

    def __str__(self) -> str:
        return f"{self.type}: {self.title}"


class NotificationDelivery(models.Model):
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    state = models.CharField(max_length=8, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    # Deliveries of one user and channel with the same batch key are sent as one message:
    # `<user>:<type>:<group key>` from notify(), `<user>:released` for those held through quiet hours.
    batch_key = models.CharField(max_length=200, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    # When a retry or the end of quiet hours is due; the sweeper re-sends rows whose message was lost.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="notif_delivery_once_per_channel"
            ),
        ]
        indexes: ClassVar = [
            # The sweepers: pending, sending and held rows by when they are due; sent rows are
            # most rows and never read by state, so they stay out of the index.
            models.Index(
                fields=["state", "next_attempt_at"],
                name="notif_delivery_due",
                condition=Q(state__in=["pending", "sending", "held"]),
            ),
            # A batch's claim: the pending rows of one key.
            models.Index(
                fields=["batch_key"],
                name="notif_delivery_batch",
                condition=Q(state="pending") & ~Q(batch_key=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} delivery of {self.notification_id}: {self.state}"
