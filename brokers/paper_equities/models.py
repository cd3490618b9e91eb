"""The paper equities ledger: a simulated Indian cash account per `paper_nse` ExchangeConfig, its
orders, fills, delivery holdings and day positions. Imported at the end of brokers/models.py, so
these are `brokers` models.

Money is in rupees to the paisa (numeric(20, 2)), average prices to 4 decimals, quantities whole
shares. The check constraints are the last line of defence behind the engine: no negative cash,
no over-fill, no sale of delivery shares the account does not have, no intraday short.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

__all__ = [
    "PaperEquityAccount",
    "PaperEquityHolding",
    "PaperEquityOrder",
    "PaperEquityPosition",
    "PaperEquityTrade",
]

DEFAULT_STARTING_CAPITAL = Decimal(200_000)
DEFAULT_EQUITY_SLIPPAGE_BPS = Decimal(5)


def _rupees(
    *, default: Decimal | None = None, null: bool = False, help_text: str = ""
) -> models.DecimalField:
    return models.DecimalField(
        max_digits=20, decimal_places=2, default=default, null=null, blank=null, help_text=help_text
    )


def _price(*, null: bool = False, help_text: str = "") -> models.DecimalField:
    return models.DecimalField(max_digits=20, decimal_places=4, null=null, blank=null, help_text=help_text)


class PaperEquityAccount(models.Model):
    config = models.OneToOneField(
        "brokers.ExchangeConfig", on_delete=models.CASCADE, related_name="paper_equity_account"
    )
    cash = _rupees(default=Decimal(0), help_text="Free cash in INR: what new orders may use")
    blocked = _rupees(default=Decimal(0), help_text="Cash held by open buy orders")
    starting_capital = _rupees(default=DEFAULT_STARTING_CAPITAL)
    slippage_bps = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=DEFAULT_EQUITY_SLIPPAGE_BPS,
        help_text="How far market orders fill beyond the last price, in basis points (5 = 0.05 %)",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(cash__gte=0, blocked__gte=0), name="brokers_paperequityaccount_cash_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(slippage_bps__gte=0, slippage_bps__lt=10_000),
                name="brokers_paperequityaccount_slippage_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"paper NSE account of {self.config}"


class PaperEquityOrder(models.Model):
    class Side(models.TextChoices):
        BUY = "buy"
        SELL = "sell"

    class Type(models.TextChoices):
        MARKET = "market"
        LIMIT = "limit"

    class Product(models.TextChoices):
        CNC = "CNC", "Delivery (CNC)"
        MIS = "MIS", "Intraday (MIS)"

    class Status(models.TextChoices):
        OPEN = "open"  # resting, or an AMO waiting for the open
        CLOSED = "closed"  # completely filled
        CANCELED = "canceled"
        REJECTED = "rejected"
        EXPIRED = "expired"  # a day order the session closed on

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(PaperEquityAccount, on_delete=models.CASCADE, related_name="orders")
    client_order_id = models.CharField(max_length=64)
    symbol = models.CharField(max_length=32)  # NSE symbol, RELIANCE
    exchange_symbol = models.CharField(max_length=32, blank=True, default="")  # RELIANCE-EQ
    side = models.CharField(max_length=4, choices=Side.choices)
    type = models.CharField(max_length=6, choices=Type.choices)
    product = models.CharField(max_length=3, choices=Product.choices)
    amo = models.BooleanField(default=False, help_text="After-market order: works from the next open")
    quantity = models.BigIntegerField()
    price = _price(null=True, help_text="The limit price; empty for market orders")
    # Copied from the market at placement, so matching needs no market data.
    tick_size = _price()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    filled = models.BigIntegerField(default=0)
    average = _price(null=True)
    charges = _rupees(default=Decimal(0))
    charges_detail = models.JSONField(default=dict, blank=True)
    # What a buy holds of the cash until it fills or ends: released exactly, never recomputed.
    blocked_cash = _rupees(default=Decimal(0))
    reject_reason = models.TextField(blank=True, default="")
    trading_day = models.DateField(help_text="The NSE session (India date) the order works in")
    activated = models.BooleanField(default=True, help_text="False while an AMO waits for its open")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "id")
        indexes = [
            models.Index(fields=["account", "status", "symbol"], name="brokers_peqorder_open_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "client_order_id"], name="brokers_paperequityorder_unique_client_id"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0, filled__gte=0, filled__lte=F("quantity")),
                name="brokers_paperequityorder_filled_in_range",
            ),
            models.CheckConstraint(
                condition=Q(blocked_cash__gte=0, charges__gte=0),
                name="brokers_paperequityorder_money_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(type="market") | Q(price__isnull=False),
                name="brokers_paperequityorder_limit_has_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.quantity} {self.symbol} {self.product} ({self.status})"


class PaperEquityTrade(models.Model):
    order = models.ForeignKey(PaperEquityOrder, on_delete=models.CASCADE, related_name="trades")
    price = _price()
    quantity = models.BigIntegerField()
    turnover = _rupees()
    charges = _rupees()
    charges_detail = models.JSONField(default=dict, blank=True)
    trading_day = models.DateField()
    executed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("executed_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0, price__gt=0, charges__gte=0),
                name="brokers_paperequitytrade_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} @ {self.price}"


class PaperEquityHolding(models.Model):
    """Delivery (CNC) shares. `bought_today` are the shares bought on `bought_on` (they settle
    T+1, so they are not sellable that day); `sell_blocked` are held by open sell orders."""

    account = models.ForeignKey(PaperEquityAccount, on_delete=models.CASCADE, related_name="holdings")
    symbol = models.CharField(max_length=32)
    quantity = models.BigIntegerField(default=0)
    average_price = _price()
    bought_today = models.BigIntegerField(default=0)
    bought_on = models.DateField(null=True, blank=True)
    sell_blocked = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("symbol",)
        constraints = [
            models.UniqueConstraint(fields=["account", "symbol"], name="brokers_paperequityholding_unique"),
            # No short CNC sale: a sell blocks shares the account has, and sells only those.
            models.CheckConstraint(
                condition=Q(bought_today__gte=0, sell_blocked__gte=0)
                & Q(quantity__gte=F("bought_today"))
                & Q(quantity__gte=F("sell_blocked")),
                name="brokers_paperequityholding_no_short_sale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.symbol} @ {self.average_price}"


class PaperEquityPosition(models.Model):
    """Today's trades of one symbol and product, as a broker's positions page shows them."""

    account = models.ForeignKey(PaperEquityAccount, on_delete=models.CASCADE, related_name="positions")
    trading_day = models.DateField()
    symbol = models.CharField(max_length=32)
    product = models.CharField(max_length=3, choices=PaperEquityOrder.Product.choices)
    buy_quantity = models.BigIntegerField(default=0)
    sell_quantity = models.BigIntegerField(default=0)
    buy_amount = _rupees(default=Decimal(0))
    sell_amount = _rupees(default=Decimal(0))
    sell_blocked = models.BigIntegerField(default=0, help_text="Held by open intraday sell orders")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("trading_day", "symbol", "product")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "trading_day", "symbol", "product"],
                name="brokers_paperequityposition_unique",
            ),
            models.CheckConstraint(
                condition=Q(buy_quantity__gte=0, sell_quantity__gte=0, sell_blocked__gte=0),
                name="brokers_paperequityposition_not_negative",
            ),
            # Paper intraday never goes short: an MIS sell closes today's MIS buys.
            models.CheckConstraint(
                condition=Q(product="CNC") | Q(buy_quantity__gte=F("sell_quantity") + F("sell_blocked")),
                name="brokers_paperequityposition_no_intraday_short",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trading_day} {self.symbol} {self.product} +{self.buy_quantity}/-{self.sell_quantity}"
