"""Position groups, their pyramids, every exchange order we place, and its fills.

The invariants that keep money safe live in the database, not only in code:
- one open group per key (user, account, symbol, timeframe, side);
- one row per client order id, so an order can be placed at most once;
- one fill per exchange trade, so a trade is never counted twice.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from trading.dca.models import TpMode, decimal_field

__all__ = [
    "DONE_STATUSES",
    "EVALUATED_GROUP_STATUSES",
    "LIVE_ORDER_STATUSES",
    "NSE_EMA9",
    "OPEN_GROUP_STATUSES",
    "RESTING_STATUSES",
    "UNSENT_STATUSES",
    "ZERO",
    "DCAOrder",
    "Fill",
    "GroupStatus",
    "OrderRole",
    "OrderStatus",
    "PositionGroup",
    "Pyramid",
    "SymbolMark",
    "TpStatus",
    "UnknownExchangeOrder",
]

ZERO = Decimal(0)
NSE_EMA9 = "nse_ema9"  # PositionGroup.strategy of the scheduled NSE strategy (trading/equities)


class GroupStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"  # created, no order on the exchange yet
    LIVE = "live", "Live"  # orders resting, nothing filled
    PARTIALLY_FILLED = "partially_filled", "Partially filled"
    ACTIVE = "active", "Active"  # every leg of every pyramid filled
    CLOSING = "closing", "Closing"
    CLOSED = "closed", "Closed"
    FAILED = "failed", "Failed"


OPEN_GROUP_STATUSES = (
    GroupStatus.WAITING,
    GroupStatus.LIVE,
    GroupStatus.PARTIALLY_FILLED,
    GroupStatus.ACTIVE,
    GroupStatus.CLOSING,
)
# What the take-profit tick evaluates (and marks): open, something bought or resting, not closing.
EVALUATED_GROUP_STATUSES = (GroupStatus.LIVE, GroupStatus.PARTIALLY_FILLED, GroupStatus.ACTIVE)


class PositionGroup(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="position_groups"
    )
    account = models.ForeignKey(
        "brokers.ExchangeConfig", on_delete=models.PROTECT, related_name="position_groups"
    )
    exchange = models.CharField(max_length=32)
    symbol = models.CharField(max_length=32, help_text="Unified, BTC/USDT")
    timeframe = models.CharField(max_length=10)
    side = models.CharField(max_length=5, default="long")
    status = models.CharField(max_length=16, choices=GroupStatus.choices, default=GroupStatus.WAITING)
    # Who trades the group: "" for TradingView signals (the DCA engine, its take-profit tick, the
    # pool and the risk engine), or a scheduled strategy that manages its own exits (NSE_EMA9).
    strategy = models.CharField(max_length=16, blank=True, default="")
    dca_config = models.ForeignKey(
        "trading.DCAConfig", on_delete=models.SET_NULL, null=True, blank=True, related_name="position_groups"
    )
    # The configuration as it was when the group opened: later edits apply to new groups only.
    config_snapshot = models.JSONField(default=dict, blank=True)
    # Market rules at open (tick, step, minimums) so monitors round without a market call.
    market_snapshot = models.JSONField(default=dict, blank=True)
    pyramid_count = models.PositiveSmallIntegerField(default=0)
    max_pyramids = models.PositiveSmallIntegerField(default=5)
    tp_mode = models.CharField(max_length=20, choices=TpMode.choices, default=TpMode.PER_LEG)
    tp_aggregate_percent = decimal_field(default=Decimal(1))
    trailing_deviation_percent = decimal_field(null=True, blank=True)
    stop_loss_percent = decimal_field(null=True, blank=True)
    cancel_dca_beyond_percent = decimal_field(null=True, blank=True)
    # Quantities in base, money in quote. `filled_quantity` is what we hold now.
    avg_entry = decimal_field(null=True, blank=True)
    filled_quantity = decimal_field(default=ZERO)
    bought_quantity = decimal_field(default=ZERO)
    cost_basis = decimal_field(default=ZERO, help_text="Entry cost of the quantity still held")
    total_invested = decimal_field(default=ZERO)
    fees = decimal_field(default=ZERO, help_text="All fees paid, in quote")
    realized_pnl = decimal_field(default=ZERO)
    unrealized_pnl = decimal_field(default=ZERO)
    unrealized_pnl_percent = decimal_field(default=ZERO)
    last_price = decimal_field(null=True, blank=True)
    # Trailing take-profit / group target state.
    tp_target_price = decimal_field(null=True, blank=True)
    trailing_active = models.BooleanField(default=False)
    trailing_peak = decimal_field(null=True, blank=True)
    close_reason = models.CharField(max_length=64, blank=True, default="")
    # Hybrid mode: a leg's take-profit that filled since the last evaluation defers the aggregate.
    last_leg_exit_at = models.DateTimeField(null=True, blank=True)
    last_evaluated_at = models.DateTimeField(null=True, blank=True)
    # The take-profit tick's quiet band (trading/takeprofit/quiet.py): while the group row is as it was at
    # `quiet_seen` and no order, pyramid or account row of it changed after `quiet_from`, a price
    # of `quiet_scope` within [quiet_low, quiet_high] only marks it, by the line
    # mark_quantity * price + mark_offset (percent of mark_cost); until `quiet_until`.
    quiet_scope = models.CharField(max_length=48, blank=True, default="")
    quiet_low = decimal_field(null=True, blank=True)
    quiet_high = decimal_field(null=True, blank=True)
    mark_quantity = decimal_field(default=ZERO)
    mark_offset = decimal_field(default=ZERO)
    mark_cost = decimal_field(default=ZERO)
    quiet_seen = models.DateTimeField(null=True, blank=True)
    quiet_from = models.DateTimeField(null=True, blank=True)
    quiet_until = models.DateTimeField(null=True, blank=True)
    last_pyramid_at = models.DateTimeField(null=True, blank=True)
    # Risk engine (trading/risk/decisions.py): the eligible group's countdown, and the trader's controls.
    risk_timer_expires_at = models.DateTimeField(null=True, blank=True)
    risk_blocked = models.BooleanField(default=False, help_text="Never touched by the risk engine")
    risk_skip_once = models.BooleanField(default=False, help_text="Left out of the next risk cycle")
    opened_at = models.DateTimeField(default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-opened_at",)
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["user", "account", "symbol", "timeframe", "side"],
                condition=models.Q(status__in=[s.value for s in OPEN_GROUP_STATUSES]),
                name="trading_group_one_open_per_key",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["user", "status"]),
            # The take-profit tick's quiet marks join each (source, symbol) price to its groups.
            models.Index(
                fields=["symbol", "quiet_scope"],
                condition=models.Q(status__in=[s.value for s in EVALUATED_GROUP_STATUSES]),
                name="trading_group_evaluated_symbol",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.symbol} {self.timeframe} {self.side} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_GROUP_STATUSES


class SymbolMark(models.Model):
    """The latest take-profit tick's price of one symbol on one price source (`quiet_scope`).

    The tick stores one of these per symbol instead of rewriting every quiet group's row: a group
    whose band holds at this price is marked from it, by its stored line, when it is read
    (trading/positions/marks.py). Market data, owned by no user."""

    scope = models.CharField(max_length=48)
    symbol = models.CharField(max_length=32)
    price = decimal_field()
    marked_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["scope", "symbol"], name="trading_symbolmark_one_per_symbol"),
        ]

    def __str__(self) -> str:
        return f"{self.symbol} {self.price} ({self.scope}, {self.marked_at:%H:%M:%S})"


class Pyramid(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    group = models.ForeignKey(PositionGroup, on_delete=models.CASCADE, related_name="pyramids")
    index = models.PositiveSmallIntegerField(help_text="0 is the initial entry")
    signal = models.ForeignKey(
        "trading.Signal", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entry_price = decimal_field()
    capital = decimal_field()
    # pyramid_aggregate keeps a target and trailing state per pyramid.
    tp_target_price = decimal_field(null=True, blank=True)
    trailing_active = models.BooleanField(default=False)
    trailing_peak = decimal_field(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)  # a change voids the group's quiet band

    class Meta:
        ordering = ("group", "index")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["group", "index"], name="trading_pyramid_unique_index"),
        ]
        # The take-profit tick's quiet marks read the rows changed recently (quiet_marks.py).
        indexes: ClassVar = [models.Index(fields=["updated_at"], name="trading_pyramid_updated")]

    def __str__(self) -> str:
        return f"pyramid {self.index} of {self.group_id}"


class OrderRole(models.TextChoices):
    LEG = "leg", "DCA leg"  # an entry or safety order of a pyramid's grid
    TAKE_PROFIT = "take_profit", "Take-profit"  # a resting limit that closes one leg
    CLOSE = "close", "Close"  # a market order that closes quantity (exit, aggregate TP, stop, manual)


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # row committed, not yet sent
    SUBMITTING = "submitting", "Submitting"  # claimed by a worker; outcome unknown until looked up
    OPEN = "open", "Open"
    PARTIALLY_FILLED = "partially_filled", "Partially filled"
    FILLED = "filled", "Filled"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


UNSENT_STATUSES = (OrderStatus.PENDING, OrderStatus.SUBMITTING)
RESTING_STATUSES = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)
LIVE_ORDER_STATUSES = (*UNSENT_STATUSES, *RESTING_STATUSES)
DONE_STATUSES = (OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.FAILED)


class TpStatus(models.TextChoices):
    NONE = "none", "None"  # no per-leg target (aggregate mode) or nothing filled yet
    PLACED = "placed", "Placed"  # a resting take-profit covers the filled quantity
    TRAILING = "trailing", "Trailing"  # target reached; following the peak to exit at market
    FILLED = "filled", "Filled"
    CANCELLED = "cancelled", "Cancelled"


class DCAOrder(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="orders")
    group = models.ForeignKey(PositionGroup, on_delete=models.CASCADE, related_name="orders")
    pyramid = models.ForeignKey(
        Pyramid, on_delete=models.CASCADE, null=True, blank=True, related_name="orders"
    )
    # For take-profit and per-leg closes: the leg they close.
    leg = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="exit_orders"
    )
    role = models.CharField(max_length=12, choices=OrderRole.choices, default=OrderRole.LEG)
    level = models.PositiveSmallIntegerField(default=0)
    symbol = models.CharField(max_length=32)
    side = models.CharField(max_length=4, help_text="buy or sell")
    order_type = models.CharField(max_length=8, default="limit")
    # A stock broker's after-market order, filled at the next open (brokers/adapters/equities.py).
    amo = models.BooleanField(default=False)
    price = decimal_field(null=True, blank=True, help_text="Expected (limit) price; empty for market")
    quantity = decimal_field()
    # Binance's rule: <= 36 characters of [A-Za-z0-9_-]; fixed when the row is created.
    client_order_id = models.CharField(max_length=36, unique=True)
    exchange_order_id = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    filled_quantity = decimal_field(default=ZERO)
    avg_fill_price = decimal_field(null=True, blank=True)
    fees = decimal_field(default=ZERO, help_text="In quote")
    # Fees the exchange took in the base asset (Binance without BNB): not ours to sell later.
    base_fees = decimal_field(default=ZERO)
    tp_percent = decimal_field(null=True, blank=True)
    tp_price = decimal_field(null=True, blank=True)
    tp_status = models.CharField(max_length=10, choices=TpStatus.choices, default=TpStatus.NONE)
    tp_peak = decimal_field(
        null=True, blank=True, help_text="Per-leg trailing: the best price since the target"
    )
    closed_quantity = decimal_field(default=ZERO, help_text="Of this leg's fill, how much was sold")
    reason = models.CharField(max_length=64, blank=True, default="", help_text="Why a close was sent")
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    cancel_requested = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(
        null=True, blank=True, help_text="When the exchange first confirmed it"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("group", "created_at", "level")
        verbose_name = "order"
        indexes: ClassVar = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["group", "role"]),
            # The take-profit tick's quiet marks read the rows changed recently (quiet_marks.py).
            models.Index(fields=["updated_at"], name="trading_order_updated"),
            # The fill monitor reads only the resting orders a price range crossed and market
            # orders (execution/services/monitor.py).
            models.Index(
                fields=["symbol", "side", "price"],
                condition=models.Q(status__in=[s.value for s in RESTING_STATUSES]),
                name="trading_order_resting_price",
            ),
            models.Index(
                fields=["order_type"],
                condition=models.Q(status__in=[s.value for s in RESTING_STATUSES], order_type="market"),
                name="trading_order_resting_market",
            ),
        ]

    def __str__(self) -> str:
        price = self.price or "market"
        return f"{self.role} {self.side} {self.quantity} {self.symbol} @ {price} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_ORDER_STATUSES


class Fill(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fills")
    order = models.ForeignKey(DCAOrder, on_delete=models.CASCADE, related_name="fills")
    trade_id = models.CharField(max_length=64)
    price = decimal_field()
    quantity = decimal_field()
    fee = decimal_field(default=ZERO)
    fee_asset = models.CharField(max_length=16, blank=True, default="")
    fee_quote = decimal_field(default=ZERO, help_text="The fee in quote currency")
    executed_at = models.DateTimeField()

    class Meta:
        ordering = ("executed_at",)
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["order", "trade_id"], name="trading_fill_unique_trade"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} @ {self.price}"


class UnknownExchangeOrder(models.Model):
    """An open order reconciliation found on the exchange that we did not place: shown, not touched."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unknown_orders"
    )
    account = models.ForeignKey(
        "brokers.ExchangeConfig", on_delete=models.CASCADE, related_name="unknown_orders"
    )
    exchange_order_id = models.CharField(max_length=64)
    client_order_id = models.CharField(max_length=64, blank=True, default="")
    symbol = models.CharField(max_length=32)
    side = models.CharField(max_length=4)
    order_type = models.CharField(max_length=8, default="limit")
    price = decimal_field(null=True, blank=True)
    quantity = decimal_field()
    filled_quantity = decimal_field(default=ZERO)
    status = models.CharField(max_length=16, default="open")
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-last_seen_at",)
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["account", "exchange_order_id"], name="trading_unknown_order_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"unknown {self.side} {self.quantity} {self.symbol} on {self.account_id}"
