"""The NSE strategy's rows: each trader's strategy settings, the shared per-close analysis of a
symbol, each trader's analysis runs and recommendations, the state of each position the strategy
holds, each day's summary, and legacy imports.

A symbol's analysis is computed once per (candle source, symbol, close, rule set) and read by
every trader whose rules are the same: the 16:00 fan-out of 1,000 traders over the same 50 stocks
computes 50 analyses, not 50,000. Sizing (capital, portfolio size, volume share) is not part of
the rule set: it is applied per trader on the shared analysis.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from trading.dca.models import decimal_field

__all__ = [
    "AnalysisRun",
    "AnalysisStatus",
    "EquitiesStrategy",
    "LegacyImport",
    "LegacyImportStatus",
    "Recommendation",
    "RecommendationStatus",
    "StrategyDay",
    "StrategyPosition",
    "StrategyTask",
    "SymbolAnalysis",
]


class StrategyTask(models.TextChoices):
    """The seven market-hours tasks, in the order of a trading day."""

    PREMARKET_RETRY = "premarket_retry", "Pre-market retry"
    OPEN_SELLS = "open_sells", "Open sells"
    SELL_MONITOR = "sell_monitor", "Sell monitor"
    POSITION_MONITOR = "position_monitor", "Position monitor"
    ANALYSIS = "analysis", "Analysis"
    AMO_BUYS = "amo_buys", "AMO buys"
    END_OF_DAY = "end_of_day", "End of day"


class EquitiesStrategy(models.Model):
    """One trader's NSE strategy: which account trades, which stocks, the rules, the schedule."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="equities_strategy"
    )
    enabled = models.BooleanField(
        default=False, help_text="Its seven tasks run while this is on and the trading service runs"
    )
    account = models.ForeignKey(
        "brokers.ExchangeConfig",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The broker account that buys and sells (kotak_neo, kotak_simulator, paper_nse)",
    )
    universe = models.JSONField(default=list, blank=True, help_text="NSE symbols scanned at 16:00")
    market_data_source = models.CharField(
        max_length=32, blank=True, default="", help_text="Candle source; empty: the account's own"
    )
    # StrategyParams.to_mapping(): every number of the rules (trading/equities/strategy/params.py).
    params = models.JSONField(default=dict, blank=True)
    # {task: "minute hour day-of-month month day-of-week"} in `timezone`; a missing task keeps its default.
    schedule = models.JSONField(default=dict, blank=True)
    timezone = models.CharField(max_length=64, default="Asia/Kolkata")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "NSE strategy"
        verbose_name_plural = "NSE strategies"

    def __str__(self) -> str:
        return f"NSE strategy of {self.user}"


class SymbolAnalysis(models.Model):
    """One symbol's verdict on one close under one rule set; shared by every trader."""

    source = models.CharField(max_length=32)
    symbol = models.CharField(max_length=40)
    day = models.DateField(help_text="The close analysed")
    rules_key = models.CharField(max_length=16, help_text="Fingerprint of the rule set (sizing excluded)")
    verdict = models.CharField(max_length=16)
    tradeable = models.BooleanField(default=False)
    rejected_rule = models.CharField(max_length=32, blank=True, default="")
    detail = models.TextField(blank=True, default="")
    close = decimal_field()
    avg_volume = decimal_field(null=True, blank=True)
    strength = decimal_field()
    backtest_score = decimal_field(null=True, blank=True)
    combined = decimal_field()
    chart_quality = decimal_field()
    target_tier = models.CharField(max_length=16, blank=True, default="")
    target = decimal_field(null=True, blank=True)
    stop = decimal_field(null=True, blank=True)
    # RSI, EMAs, volume ratio...; chart-quality penalties; the backtest's trades and returns.
    indicators = models.JSONField(default=dict)
    quality = models.JSONField(default=dict)
    backtest = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "symbol analysis"
        verbose_name_plural = "symbol analyses"
        ordering = ("-day", "symbol")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["source", "symbol", "day", "rules_key"], name="trading_symbol_analysis_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.symbol} {self.day}: {self.verdict}"


class AnalysisStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class AnalysisRun(models.Model):
    """One trader's analysis of one close: which symbols were looked at and what came of it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="analysis_runs")
    day = models.DateField(help_text="The close analysed")
    status = models.CharField(max_length=10, choices=AnalysisStatus.choices, default=AnalysisStatus.RUNNING)
    source = models.CharField(max_length=32, blank=True, default="")
    rules_key = models.CharField(max_length=16, blank=True, default="")
    params = models.JSONField(default=dict, blank=True)
    symbols = models.JSONField(default=list, blank=True, help_text="The universe as it was")
    analyses = models.ManyToManyField(SymbolAnalysis, related_name="runs", blank=True)
    errors = models.JSONField(default=dict, blank=True, help_text="{symbol: why it was not analysed}")
    tradeable_count = models.PositiveIntegerField(default=0)
    # The ML filter as this run applied it: {"model_version", "mode", "min_confidence", "kept",
    # "dropped", "note"}; empty when the trader has not opted in.
    ml = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-day", "-started_at")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "day"], name="trading_analysis_run_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"analysis of {self.day} for {self.user_id} ({self.status})"


class RecommendationStatus(models.TextChoices):
    PLANNED = "planned", "Planned"  # to be bought at 16:05
    ORDERED = "ordered", "Ordered"  # an AMO buy is at the broker
    FILLED = "filled", "Filled"
    FAILED = "failed", "Failed"  # refused (funds...): the 09:00 retry tries again
    SKIPPED = "skipped", "Skipped"  # not bought: portfolio full, already held, ...
    EXPIRED = "expired", "Expired"  # pending too long, or the retry gave up


class Recommendation(models.Model):
    """A stock a trader's analysis says to buy, with its planned order and what became of it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="equity_recommendations"
    )
    run = models.ForeignKey(
        AnalysisRun, on_delete=models.CASCADE, null=True, blank=True, related_name="recommendations"
    )
    analysis = models.ForeignKey(
        SymbolAnalysis, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    day = models.DateField(help_text="The close it was recommended on")
    symbol = models.CharField(max_length=40)
    rank = models.PositiveSmallIntegerField(default=0)
    verdict = models.CharField(max_length=16)
    combined = decimal_field()
    close = decimal_field()
    quantity = models.PositiveIntegerField()
    capital = decimal_field()
    target = decimal_field(null=True, blank=True)
    stop = decimal_field(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=RecommendationStatus.choices, default=RecommendationStatus.PLANNED
    )
    reason = models.TextField(blank=True, default="", help_text="Why it was skipped or failed")
    # The ML model's say on this buy, when the trader opted in and a model could be loaded.
    ml_model_version = models.PositiveIntegerField(null=True, blank=True)
    ml_verdict = models.CharField(max_length=16, blank=True, default="")
    ml_confidence = decimal_field(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    group = models.ForeignKey(
        "trading.PositionGroup", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    order = models.ForeignKey(
        "trading.DCAOrder", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-day", "rank")
        indexes: ClassVar = [models.Index(fields=["user", "status"])]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "day", "symbol"], name="trading_recommendation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.verdict} {self.quantity} {self.symbol} ({self.status})"


class StrategyPosition(models.Model):
    """What the strategy keeps about a position group it holds: entry indicators, the EMA9 exit it
    aims at, and the re-entry levels taken."""

    group = models.OneToOneField(
        "trading.PositionGroup", on_delete=models.CASCADE, related_name="strategy_position"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    symbol = models.CharField(max_length=40)
    entry_rsi = decimal_field(null=True, blank=True)
    entry_ema9 = decimal_field(null=True, blank=True)
    entry_ema200 = decimal_field(null=True, blank=True)
    target = decimal_field(null=True, blank=True, help_text="The analysis' target")
    stop = decimal_field(null=True, blank=True)
    exit_price = decimal_field(null=True, blank=True, help_text="The EMA9 limit the sell rests at")
    exit_note = models.TextField(blank=True, default="", help_text="Why no sell rests, when none does")
    levels_taken = models.JSONField(default=list, blank=True, help_text="RSI levels re-entered at")
    last_reentry_on = models.DateField(null=True, blank=True)
    last_alerts = models.JSONField(default=dict, blank=True, help_text="{alert kind: ISO date last sent}")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"strategy position {self.symbol} ({self.group_id})"


class StrategyDay(models.Model):
    """The 18:00 summary of one trader's trading day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    stats = models.JSONField(default=dict)
    summary = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-day",)
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "day"], name="trading_strategy_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} of {self.user_id}"


class LegacyImportStatus(models.TextChoices):
    DRY_RUN = "dry_run", "Dry run"
    APPLIED = "applied", "Applied"
    ROLLED_BACK = "rolled_back", "Rolled back"


class LegacyImport(models.Model):
    """One import of the old single-user service's files: its report, and every row it created so
    that a rollback removes exactly those."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="legacy_imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=LegacyImportStatus.choices, default=LegacyImportStatus.DRY_RUN
    )
    files = models.JSONField(default=list, blank=True, help_text="The file names read")
    counts = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)
    report = models.JSONField(default=dict, blank=True)
    # The files as read ({file name: parsed JSON}): a dry run is applied later without a re-upload.
    payload = models.JSONField(default=dict, blank=True)
    created_rows = models.JSONField(default=list, blank=True, help_text="[[app_label.model, pk], ...]")
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)
    rolled_back_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"legacy import {self.pk} ({self.status})"
