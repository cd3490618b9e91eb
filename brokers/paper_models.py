"""The paper broker's ledger: a simulated account per paper `ExchangeConfig`, its balances, orders
and fills. Imported at the bottom of `brokers/models.py`, so these are `brokers` models.

The money rules live in `brokers/paper_math.py` and the use cases in `brokers/paper_engine.py`;
the check constraints here are the last line of defence (no negative balance, no over-fill).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone

__all__ = ["PaperAccount", "PaperBalance", "PaperOrder", "PaperTrade"]

DEFAULT_FEE_RATE = Decimal("0.001")  # 0.1 %, Binance's spot base rate
DEFAULT_SLIPPAGE_BPS = Decimal(5)


def _money(
    *, default: Decimal | type[NOT_PROVIDED] = NOT_PROVIDED, null: bool = False, help_text: str = ""
) -> models.DecimalField:
    # numeric(36, 18): 18 integer digits hold any balance, 18 decimals any crypto increment.
    return models.DecimalField(
        max_digits=36, decimal_places=18, default=default, null=null, blank=null, help_text=help_text
    )


def _fee_rate(help_text: str) -> models.DecimalField:
    return models.DecimalField(
        max_digits=8,
        decimal_places=6,
        default=DEFAULT_FEE_RATE,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("0.1"))],
        help_text=help_text,
    )


class PaperAccount(models.Model):
    config = models.OneToOneField(
        "brokers.ExchangeConfig", on_delete=models.CASCADE, related_name="paper_account"
    )
    # The currency the account is funded and measured in; fees are charged in each market's quote.
    quote_asset = models.CharField(max_length=16, default="USDT")
    taker_fee_rate = _fee_rate("Fraction of the order value charged on market and marketable orders")
    maker_fee_rate = _fee_rate("Fraction charged when a resting limit order fills")
    slippage_bps = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=DEFAULT_SLIPPAGE_BPS,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1000))],
        help_text="How far market orders fill beyond the best price, in basis points (5 = 0.05 %)",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(taker_fee_rate__gte=0, taker_fee_rate__lt=1)
                & models.Q(maker_fee_rate__gte=0, maker_fee_rate__lt=1),
                name="brokers_paperaccount_fee_rates_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(slippage_bps__gte=0, slippage_bps__lt=10_000),
                name="brokers_paperaccount_slippage_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"paper account of {self.config}"


class PaperBalance(models.Model):
    account = models.ForeignKey(PaperAccount, on_delete=models.CASCADE, related_name="balances")
    asset = models.CharField(max_length=16)
    free = _money(default=Decimal(0))
    locked = _money(default=Decimal(0), help_text="Reserved by open orders")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("asset",)
        constraints = [
            models.UniqueConstraint(fields=["account", "asset"], name="brokers_paperbalance_unique_asset"),
            models.CheckConstraint(
                condition=models.Q(free__gte=0, locked__gte=0), name="brokers_paperbalance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset} {self.free} free, {self.locked} locked"


class PaperOrder(models.Model):
    class Side(models.TextChoices):
        BUY = "buy"
        SELL = "sell"

    class Type(models.TextChoices):
        MARKET = "market"
        LIMIT = "limit"

    class Status(models.TextChoices):
        OPEN = "open"
        CLOSED = "closed"  # completely filled
        CANCELED = "canceled"
        REJECTED = "rejected"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(PaperAccount, on_delete=models.CASCADE, related_name="orders")
    client_order_id = models.CharField(max_length=64)
    symbol = models.CharField(max_length=32)  # unified, BTC/USDT
    # Copied from the market when the order is placed, so matching needs no market data.
    base_asset = models.CharField(max_length=16)
    quote_asset = models.CharField(max_length=16)
    side = models.CharField(max_length=4, choices=Side.choices)
    type = models.CharField(max_length=6, choices=Type.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    price = _money(null=True, help_text="The limit price; empty for market orders")
    amount = _money()
    filled = _money(default=Decimal(0))
    average = _money(null=True)
    fee = _money(default=Decimal(0))
    fee_asset = models.CharField(max_length=16, blank=True, default="")
    # What the order holds locked (quote for buys, base for sells) until it fills or is canceled:
    # a cancel releases exactly this, never a recomputation that could drift.
    reserved = _money(default=Decimal(0))
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("created_at", "id")
        indexes = [
            models.Index(fields=["account", "status", "symbol"], name="brokers_paperorder_open_idx"),
            models.Index(fields=["account", "client_order_id"], name="brokers_paperorder_client_idx"),
        ]
        constraints = [
            # As on Binance: a client order id names one order among the account's open ones.
            models.UniqueConstraint(
                fields=["account", "client_order_id"],
                condition=models.Q(status="open"),
                name="brokers_paperorder_unique_open_client_id",
            ),
            models.CheckConstraint(
                condition=models.Q(filled__gte=0, filled__lte=models.F("amount"), reserved__gte=0),
                name="brokers_paperorder_filled_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.amount} {self.symbol} ({self.status})"


class PaperTrade(models.Model):
    order = models.ForeignKey(PaperOrder, on_delete=models.CASCADE, related_name="trades")
    price = _money()
    amount = _money()
    fee = _money()
    fee_asset = models.CharField(max_length=16)
    is_maker = models.BooleanField(default=False)
    executed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("executed_at", "id")

    def __str__(self) -> str:
        return f"{self.amount} @ {self.price}"
