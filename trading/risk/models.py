"""What the risk engine did: one `RiskAction` per offset (trading-semantics.md, "Risk engine").

Every quantity and price the engine acted on is kept, so the risk panel and an auditor can see
why a loser was closed and which winners paid for it. The per-group state the engine keeps
(timer, block, skip-once) lives on `PositionGroup` (`risk_*` fields)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from trading.dca.models import decimal_field

__all__ = ["RiskAction", "RiskActionStatus", "RiskTrigger"]


class RiskTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Every 30 s"
    FILL = "fill", "After a fill"
    MANUAL = "manual", "Run now"


class RiskActionStatus(models.TextChoices):
    EXECUTED = "executed", "Executed"  # the closes were sent
    FAILED = "failed", "Failed"  # nothing could be sent: `details` says why


class RiskAction(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="risk_actions")
    loser = models.ForeignKey(
        "trading.PositionGroup", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    symbol = models.CharField(max_length=32, help_text="The loser's symbol")
    timeframe = models.CharField(max_length=10, blank=True, default="")
    loser_quantity = decimal_field(help_text="Closed in full, base")
    loser_price = decimal_field(help_text="The mark the plan was computed at")
    loser_avg_entry = decimal_field(null=True, blank=True)
    loser_loss = decimal_field(help_text="Unrealized PnL when acted on, quote (negative)")
    loser_loss_percent = decimal_field()
    required = decimal_field(help_text="|loss|, quote")
    covered = decimal_field(default=Decimal(0), help_text="What the winners' closes realize, quote")
    fully_covered = models.BooleanField(default=False)
    # [{"group": id, "symbol", "quantity", "price", "avg_entry", "expected_realized", "order": id}]
    winners = models.JSONField(default=list, blank=True)
    trigger = models.CharField(max_length=10, choices=RiskTrigger.choices, default=RiskTrigger.SCHEDULE)
    status = models.CharField(
        max_length=10, choices=RiskActionStatus.choices, default=RiskActionStatus.EXECUTED
    )
    details = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = "risk action"
        indexes: ClassVar = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"risk offset of {self.symbol} ({self.status})"
