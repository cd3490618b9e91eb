"""Signals: every webhook we accepted or refused, kept for the trader's log (trading-semantics.md)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from trading.dca.models import decimal_field

__all__ = ["Classification", "Signal", "SignalStatus"]


class SignalStatus(models.TextChoices):
    RECEIVED = "received", "Received"  # stored, waiting for a worker
    PROCESSED = "processed", "Processed"  # acted on: a group opened, extended or closed
    QUEUED = "queued", "Queued"  # waiting for a pool slot (issue 5)
    REJECTED = "rejected", "Rejected"  # refused, with `reason`
    DUPLICATE = "duplicate", "Duplicate"  # a second pyramid within one candle: ignored


class Classification(models.TextChoices):
    NONE = "", "Not classified"
    ENTRY = "entry", "New entry"
    PYRAMID = "pyramid", "Pyramid"
    EXIT = "exit", "Exit"
    REDUCE = "reduce", "Reduce"
    REVERSE = "reverse", "Reverse"
    DUPLICATE = "duplicate", "Duplicate within a candle"
    MAX_PYRAMIDS = "max_pyramids", "Max pyramids reached"
    INVALID = "invalid", "Invalid"


class Signal(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signals")
    account = models.ForeignKey(
        "brokers.ExchangeConfig", on_delete=models.SET_NULL, null=True, blank=True, related_name="signals"
    )
    source = models.CharField(max_length=32, default="tradingview")
    # The body as received with the secret replaced (never stored), for the trader's log.
    raw_body = models.TextField(blank=True, default="")
    parsed = models.JSONField(default=dict, blank=True)
    # Null for a refused body: rejected signals never block a later good one.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001  NULLs never collide
    exchange = models.CharField(max_length=32, blank=True, default="")
    symbol = models.CharField(max_length=32, blank=True, default="", help_text="Unified, BTC/USDT")
    timeframe = models.CharField(max_length=10, blank=True, default="")
    side = models.CharField(max_length=5, blank=True, default="")
    intent_type = models.CharField(max_length=8, blank=True, default="")
    price = decimal_field(null=True, blank=True)
    status = models.CharField(max_length=10, choices=SignalStatus.choices, default=SignalStatus.RECEIVED)
    classification = models.CharField(max_length=12, choices=Classification.choices, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    position_group = models.ForeignKey(
        "trading.PositionGroup", on_delete=models.SET_NULL, null=True, blank=True, related_name="signals"
    )
    sent_at = models.DateTimeField(null=True, blank=True, help_text="TradingView's timestamp")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-received_at",)
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "idempotency_key"], name="trading_signal_unique_key"),
        ]
        indexes: ClassVar = [models.Index(fields=["user", "status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.intent_type or 'signal'} {self.symbol} {self.timeframe} ({self.status})"
