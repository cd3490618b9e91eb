"""Paper-account use cases: open the simulated ledger of a paper `ExchangeConfig`, add funds."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from auditlog.services import record

from . import paper_math as pm
from .models import ExchangeConfig, PaperAccount, PaperBalance
from .paper_models import DEFAULT_FEE_RATE, DEFAULT_SLIPPAGE_BPS

DEFAULT_QUOTE_ASSET = "USDT"
# What a new paper account starts with when its owner names nothing: enough for a DCA grid.
DEFAULT_STARTING_BALANCE = Decimal(10_000)
MAX_FEE_RATE = Decimal("0.1")
MAX_SLIPPAGE_BPS = Decimal(1000)
MAX_AMOUNT = Decimal("1e15")  # numeric(36, 18) holds 18 integer digits; leave room to trade


def _asset(name: str) -> str:
    asset = name.strip().upper()
    if not asset or len(asset) > 16 or not asset.isalnum():
        raise ValidationError({"asset": [f"'{name}' is not an asset symbol (letters and digits, up to 16)."]})
    return asset


def _amount(value: Decimal, *, field: str) -> Decimal:
    if not isinstance(value, Decimal | int) or isinstance(value, bool):
        # A float would carry binary noise into the ledger: callers convert from strings.
        raise ValidationError({field: [f"{value!r} must be a Decimal."]})
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise ValidationError({field: [f"{value} must be zero or more."]})
    if amount >= MAX_AMOUNT:
        raise ValidationError({field: [f"{value} is beyond what the ledger holds ({MAX_AMOUNT})."]})
    if amount != amount.quantize(pm.QUANTUM):
        raise ValidationError({field: [f"{value} has more than {pm.ACCOUNTING_DECIMALS} decimals."]})
    return amount


def paper_account_create(
    *,
    config: ExchangeConfig,
    balances: Mapping[str, Decimal] | None = None,
    quote_asset: str = DEFAULT_QUOTE_ASSET,
    fee_rate: Decimal = DEFAULT_FEE_RATE,
    maker_fee_rate: Decimal | None = None,
    slippage_bps: Decimal = DEFAULT_SLIPPAGE_BPS,
) -> PaperAccount:
    """The simulated ledger of `config` (a `paper` account), funded with `balances` (by default
    10,000 of `quote_asset`). `fee_rate` is a fraction (0.001 = 0.1 %) charged to takers, and to
    makers too unless `maker_fee_rate` is given; `slippage_bps` worsens market fills."""
    if config.exchange != "paper":
        raise ValidationError(
            {"exchange": [f"Only paper accounts have a simulated ledger, not {config.exchange}."]}
        )
    quote_asset = _asset(quote_asset)
    maker_fee_rate = fee_rate if maker_fee_rate is None else maker_fee_rate
    for field, rate in (("fee_rate", fee_rate), ("maker_fee_rate", maker_fee_rate)):
        if not isinstance(rate, Decimal) or not Decimal(0) <= rate <= MAX_FEE_RATE:
            raise ValidationError({field: [f"A fee rate is a Decimal fraction from 0 to {MAX_FEE_RATE}."]})
    if not isinstance(slippage_bps, Decimal | int) or not 0 <= slippage_bps <= MAX_SLIPPAGE_BPS:
        raise ValidationError({"slippage_bps": [f"Slippage is 0 to {MAX_SLIPPAGE_BPS} basis points."]})
    funds = {quote_asset: DEFAULT_STARTING_BALANCE} if balances is None else balances
    cleaned = {_asset(asset): _amount(amount, field=f"balances.{asset}") for asset, amount in funds.items()}

    with transaction.atomic():
        account = PaperAccount.objects.create(
            config=config,
            quote_asset=quote_asset,
            taker_fee_rate=fee_rate,
            maker_fee_rate=maker_fee_rate,
            slippage_bps=Decimal(slippage_bps),
        )
        PaperBalance.objects.bulk_create(
            PaperBalance(account=account, asset=asset, free=amount) for asset, amount in cleaned.items()
        )
    return account


def paper_account_fund(
    *,
    account: PaperAccount,
    asset: str,
    amount: Decimal,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> PaperBalance:
    """Add `amount` of `asset` to the free balance (play money: no deposit address, no limit)."""
    asset = _asset(asset)
    amount = _amount(amount, field="amount")
    if amount == 0:
        raise ValidationError({"amount": ["Add more than zero."]})
    with transaction.atomic():
        # The account row first, as every order does, so funding queues behind a running order.
        PaperAccount.objects.select_for_update().get(pk=account.pk)
        PaperBalance.objects.get_or_create(account=account, asset=asset)
        row = PaperBalance.objects.select_for_update().get(account=account, asset=asset)
        before = row.free
        holding = pm.Holding(free=row.free, locked=row.locked).credit(amount)
        row.free = holding.free
        row.save(update_fields=["free", "updated_at"])
        config = account.config
        record(
            action="paper_account.fund",
            actor=actor,
            owner=config.user,
            resource=account,
            request=request,
            changes={
                "exchange": config.exchange,
                "label": config.label,
                "asset": asset,
                "amount": str(pm.plain(amount)),
                "free": {"before": str(pm.plain(before)), "after": str(pm.plain(holding.free))},
            },
        )
    return row
