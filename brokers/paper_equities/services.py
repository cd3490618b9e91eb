"""Paper equities use cases outside trading: open the ledger of a new `paper_nse` account, and
the periodic tick that brings every busy ledger up to now."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q

from brokers.models import ExchangeConfig

from .kind import PAPER_NSE
from .models import (
    DEFAULT_EQUITY_SLIPPAGE_BPS,
    DEFAULT_STARTING_CAPITAL,
    PaperEquityAccount,
    PaperEquityOrder,
)

logger = logging.getLogger(__name__)

MAX_CAPITAL = Decimal("1e15")  # numeric(20, 2) holds 18 integer digits; leave room to trade
MAX_SLIPPAGE_BPS = Decimal(1000)


def paper_equities_account_create(
    *,
    config: ExchangeConfig,
    starting_capital: Decimal = DEFAULT_STARTING_CAPITAL,
    slippage_bps: Decimal = DEFAULT_EQUITY_SLIPPAGE_BPS,
) -> PaperEquityAccount:
    """The simulated NSE cash account of `config` (a `paper_nse` account): `starting_capital` INR
    (200,000 unless told), market orders filled `slippage_bps` beyond the last price."""
    if config.exchange != PAPER_NSE:
        raise ValidationError({"exchange": [f"Only {PAPER_NSE} accounts have a paper NSE ledger."]})
    if not isinstance(starting_capital, Decimal | int) or isinstance(starting_capital, bool):
        raise ValidationError({"starting_capital": ["The starting capital is a Decimal amount of rupees."]})
    capital = Decimal(starting_capital)
    if (
        not capital.is_finite()
        or not 0 <= capital < MAX_CAPITAL
        or capital != capital.quantize(Decimal("0.01"))
    ):
        raise ValidationError({"starting_capital": [f"Rupees to the paisa, from 0 to {MAX_CAPITAL}."]})
    if not isinstance(slippage_bps, Decimal | int) or not 0 <= slippage_bps <= MAX_SLIPPAGE_BPS:
        raise ValidationError({"slippage_bps": [f"Slippage is 0 to {MAX_SLIPPAGE_BPS} basis points."]})
    with transaction.atomic():
        return PaperEquityAccount.objects.create(
            config=config, cash=capital, starting_capital=capital, slippage_bps=Decimal(slippage_bps)
        )


def busy_accounts() -> list[PaperEquityAccount]:
    """Ledgers time can change: with open orders, or intraday positions still open."""
    open_orders = Q(orders__status=PaperEquityOrder.Status.OPEN)
    open_intraday = Q(positions__product="MIS", positions__buy_quantity__gt=F("positions__sell_quantity"))
    rows = PaperEquityAccount.objects.filter(open_orders | open_intraday, config__is_enabled=True)
    return list(rows.select_related("config").distinct())


def paper_equities_tick(*, now: datetime | None = None) -> int:
    """For a periodic task (every minute in market hours, and at 15:20 IST): catch every busy
    ledger up, so AMOs fill at the open, limits fill when crossed and MIS positions are squared
    off at 15:20 even while nobody looks. One account's failure does not stop the others.
    Returns how many ledgers were caught up. `now`: the time to catch up to (tests); the wall
    clock by default."""
    from brokers.adapters.registry import adapter_for

    from .catch_up import account_catch_up

    done = 0
    for account in busy_accounts():
        try:
            adapter = adapter_for(account.config)
        except Exception:
            logger.exception("paper NSE account %s: no adapter", account.pk)
            continue
        try:
            # adapter_for answers a PaperEquitiesAdapter for every paper_nse account.
            account_catch_up(account=account, market_data=adapter.market_data, now=now or adapter.now())  # type: ignore[attr-defined]
            done += 1
        except Exception:
            logger.exception("paper NSE account %s: catch-up failed", account.pk)
        finally:
            adapter.close()
    return done
