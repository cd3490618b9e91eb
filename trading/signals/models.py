"""Signals: every webhook we accepted or refused, kept for the trader's log (trading-semantics.md)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from trading.dca.models import decimal_field

__all__ = ["NOT_TRADED", "Classification", "Outcome", "Signal", "SignalStatus"]

# The reason code of a signal the engine refused after the webhook accepted it (no pool slot
# for a queued entry that expired, max pyramids, a stopped service, ...): the reason says which.
NOT_TRADED = "not_traded"


class SignalStatus(models.TextChoices):
    RECEIVED = "received", "Received"  # stored, waiting for a worker
    PROCESSED = "processed", "Processed"  # acted on: a group opened, extended or closed
    QUEUED = "queued", "Queued"  # waiting for a pool slot (issue 5)
    REJECTED = "rejected", "Rejected"  # refused, with `reason`
    DUPLICATE = "duplicate", "Duplicate"  # a second pyramid within one candle: ignored


class Outcome(models.TextChoices):
    """What happened to a signal, in the words of the Signals page (derived from the status)."""

    RECEIVED = "received", "Received"  # accepted by the webhook, the engine has not acted yet
    ACCEPTED = "accepted", "Accepted"
    QUEUED = "queued", "Queued"
    REFUSED = "refused", "Refused"
    STALE = "stale", "Stale"  # refused because the alert was too old
    DUPLICATE = "duplicate", "Duplicate"


_OUTCOMES = {
    SignalStatus.RECEIVED: Outcome.RECEIVED,
    SignalStatus.PROCESSED: Outcome.ACCEPTED,
    SignalStatus.QUEUED: Outcome.QUEUED,
    SignalStatus.REJECTED: Outcome.REFUSED,
    SignalStatus.DUPLICATE: Outcome.DUPLICATE,
}


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
    # Why a refused signal was refused, for filters and the UI: the refusal code of the webhook
    # (`stale`, `no_dca_config`, ... docs/user-guide/webhooks.md) or `not_traded` from the engine,
    # and the body field it names ("" when the refusal is about state, not a field).
    reason_code = models.CharField(max_length=20, blank=True, default="")
    reason_field = models.CharField(max_length=80, blank=True, default="")
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

    @property
    def outcome(self) -> str:
        if self.status == SignalStatus.REJECTED and self.reason_code == "stale":
            return Outcome.STALE
        return _OUTCOMES.get(self.status, Outcome.RECEIVED)
