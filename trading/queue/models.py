"""The execution queue: new entries that found the user's pool full wait here for a slot
(trading-semantics.md, "Execution pool and queue").

One queued entry per key (user, account, symbol, timeframe, side): a newer signal for a queued
key replaces it in place (entry price and payload updated, `replacement_count` + 1, `queued_at`
kept). `rank` and `priority_rule` are the ranking of `priority.rank` as of the last change
of the user's queue, stored so the queue view and the admin read them without recomputing."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from trading.dca.models import decimal_field

__all__ = ["QueueEntry", "QueueStatus"]


class QueueStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROMOTED = "promoted", "Promoted"  # opened (or extended) a group
    REMOVED = "removed", "Removed"  # by the trader or an admin
    CANCELLED = "cancelled", "Cancelled"  # an exit signal for the key, or the signal could not open
    FAILED = "failed", "Failed"  # promotion refused (grid, market, account): `reason`


class QueueEntry(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_entries")
    account = models.ForeignKey(
        "brokers.ExchangeConfig", on_delete=models.CASCADE, related_name="queue_entries"
    )
    # The latest signal for the key (a replacement points here at the newer one).
    signal = models.ForeignKey(
        "trading.Signal", on_delete=models.SET_NULL, null=True, blank=True, related_name="queue_entries"
    )
    exchange = models.CharField(max_length=32)
    symbol = models.CharField(max_length=32, help_text="Unified, BTC/USDT")
    timeframe = models.CharField(max_length=10)
    side = models.CharField(max_length=5, default="long")
    # A pyramid that waits for a slot (pyramids_bypass_pool off): the live group it continues.
    group = models.ForeignKey(
        "trading.PositionGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="queue_entries",
    )
    is_pyramid_continuation = models.BooleanField(default=False)
    entry_price = decimal_field()
    payload = models.JSONField(default=dict, blank=True, help_text="The signal's parsed fields")
    replacement_count = models.PositiveIntegerField(default=0)
    expected_profit = decimal_field(default=Decimal(0), help_text="Quote, from the grid's targets")
    current_price = decimal_field(null=True, blank=True)
    loss_percent = decimal_field(null=True, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    priority_rule = models.CharField(max_length=24, blank=True, default="")
    status = models.CharField(max_length=10, choices=QueueStatus.choices, default=QueueStatus.QUEUED)
    reason = models.TextField(blank=True, default="")
    # How it left the queue: "auto" (a slot freed), "manual" (promote), "force" (force-add).
    promoted_by = models.CharField(max_length=8, blank=True, default="")
    queued_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("user", "rank", "queued_at")
        verbose_name = "queue entry"
        verbose_name_plural = "queue entries"
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["user", "account", "symbol", "timeframe", "side"],
                condition=models.Q(status="queued"),
                name="trading_queue_one_per_key",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["user", "status", "rank"])]

    def __str__(self) -> str:
        return f"queued {self.symbol} {self.timeframe} {self.side} ({self.status})"
