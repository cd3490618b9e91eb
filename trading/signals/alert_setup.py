"""The Webhook setup page: which account and DCA configuration an alert is for, the entry and
exit messages for them (trading/signals/alert_templates.py), the test alert's filled message,
and what is wrong with the webhook URL for TradingView.

    alert_setup(user=..., account_id=..., dca_config_id=..., sizing=..., amount=...) -> AlertSetup
    alert_filled(setup, kind=..., now=...)  -> the message as TradingView would send it
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.services import webhook_url
from brokers.adapters.cache import public_adapter_lease
from brokers.errors import BrokerError
from brokers.models import ExchangeConfig
from trading.dca.models import DCAConfig
from trading.signals.alert_templates import (
    SIZING_MODES,
    AlertTarget,
    Kind,
    alert_template,
    fill_placeholders,
    tradingview_interval,
    tradingview_ticker,
)

# The test alert's order size when neither the configuration nor the page names one.
TEST_ALERT_QUOTE = Decimal(1000)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0", "[::1]"})  # noqa: S104  compared, not bound


@dataclass
class AlertSetup:
    user: User
    url: str
    url_warnings: list[str]
    accounts: list[ExchangeConfig]
    dca_configs: list[DCAConfig]
    account: ExchangeConfig | None
    dca_config: DCAConfig | None
    sizing: str
    amount: Decimal | None
    secret: str
    warnings: list[str] = field(default_factory=list)

    @property
    def timeframe(self) -> str:
        return self.dca_config.timeframe if self.dca_config else ""

    @property
    def chart(self) -> dict[str, str] | None:
        """The chart the alert belongs on: the configuration's pair and timeframe."""
        if self.dca_config is None:
            return None
        return {
            "symbol": self.dca_config.symbol,
            "ticker": tradingview_ticker(self.dca_config.symbol),
            "timeframe": self.timeframe or "any",
            "interval": tradingview_interval(self.timeframe),
        }

    def template(self, kind: Kind) -> dict[str, Any] | None:
        if self.account is None:
            return None
        target = AlertTarget(
            exchange=self.account.exchange,
            account_label=self.account.label,
            symbol=self.dca_config.symbol if self.dca_config else "",
            timeframe=self.timeframe,
            sizing=self.sizing,
            amount=self.amount,
        )
        return alert_template(target, secret=self.secret, kind=kind)


def url_warnings(url: str) -> list[str]:
    """Why TradingView could not deliver to `url`: it calls public addresses on ports 80 and 443."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    warnings = []
    if host in LOOPBACK_HOSTS or host.startswith("127."):
        warnings.append(
            f"TradingView cannot reach {host}: it is this computer. Set PUBLIC_URL to this server's "
            "public address (https://trading.example.com) and restart; see docs/configuration.md."
        )
    if parts.port not in (None, 80, 443):
        warnings.append(
            f"TradingView only sends webhooks to ports 80 and 443, and this URL uses port {parts.port}: "
            "put the server behind a proxy on 443 and set PUBLIC_URL to it."
        )
    if parts.scheme == "http" and not warnings:
        warnings.append(
            "The URL is http: your webhook secret would cross the internet unencrypted. Use https."
        )
    return warnings


def alert_setup(
    *,
    user: User,
    account_id: uuid.UUID | None = None,
    dca_config_id: uuid.UUID | None = None,
    sizing: str | None = None,
    amount: Decimal | None = None,
) -> AlertSetup:
    """The page for a choice of account, configuration and sizing; the first usable choice
    where the trader made none. ValidationError names the field of a choice that cannot work."""
    accounts = list(
        ExchangeConfig.objects.filter(user=user, is_enabled=True).order_by("-is_default", "created_at")
    )
    configs = list(DCAConfig.objects.filter(user=user).select_related("account"))
    config = _pick(configs, dca_config_id, "dca_config", "DCA configuration")
    account = _pick(accounts, account_id, "account", "enabled exchange account")
    if config is not None and account is not None and not _config_serves(config, account):
        raise ValidationError(
            {
                "dca_config": [
                    f"This configuration trades on {_where(config)}, not on account '{account.label}'."
                ]
            }
        )
    if account is None and config is not None:
        account = next((a for a in accounts if _config_serves(config, a)), None)
    if config is None and account is not None:
        config = next((c for c in configs if _config_serves(c, account)), None)
    if account is None and config is None and accounts:
        account = accounts[0]
        config = next((c for c in configs if _config_serves(c, account)), None)

    sizing = sizing or ("dca_config" if config is not None and config.capital_per_pyramid else "contracts")
    if sizing not in SIZING_MODES:
        raise ValidationError({"sizing": [f"Choose one of {', '.join(SIZING_MODES)}."]})
    if sizing == "dca_config" and (config is None or not config.capital_per_pyramid):
        raise ValidationError(
            {
                "sizing": [
                    "This DCA configuration has no capital per pyramid: set one, or size orders by "
                    "contracts or a fixed quote amount."
                ]
            }
        )
    if sizing == "quote" and (amount is None or amount <= 0):
        raise ValidationError({"amount": ["Enter the amount per entry in the quote currency (e.g. 250)."]})

    url = webhook_url(user)
    setup = AlertSetup(
        user=user,
        url=url,
        url_warnings=url_warnings(url),
        accounts=accounts,
        dca_configs=configs,
        account=account,
        dca_config=config,
        sizing=sizing,
        amount=amount if sizing == "quote" else None,
        secret=str(user.webhook_secret),
    )
    if account is None:
        setup.warnings.append("Connect an exchange account first (Exchange accounts): alerts trade on it.")
    elif config is None:
        setup.warnings.append(
            f"There is no DCA configuration for account '{account.label}' ({account.exchange}): entry "
            "signals are refused until you create one (DCA configurations)."
        )
    return setup


def alert_filled(setup: AlertSetup, *, kind: Kind, closing: bool, now: datetime) -> dict[str, Any]:
    """The message of `kind` with its placeholders filled as TradingView fills them on the
    configuration's chart at the exchange's current price: for the strategy message, as for an
    order that opens a long (or, `closing`, one that closes it)."""
    template = setup.template(kind)
    if template is None or setup.account is None or setup.dca_config is None:
        raise ValidationError(
            {"dca_config": ["Choose an account and a DCA configuration to send a test alert for."]}
        )
    config, account = setup.dca_config, setup.account
    try:
        with public_adapter_lease(account.exchange, testnet=account.mode == "testnet") as adapter:
            market = adapter.market(config.symbol)
            price = adapter.fetch_ticker(market.symbol).last
    except BrokerError as exc:
        message = f"{account.exchange} did not give a price for {config.symbol}: {exc.message or exc}"
        raise ValidationError({"account": [message]}) from exc
    quote = config.capital_per_pyramid or setup.amount or TEST_ALERT_QUOTE
    contracts = (quote / price).quantize(market.step_size, rounding=ROUND_DOWN) if price > 0 else Decimal(0)
    size, flat = format(contracts.normalize(), "f"), "0"
    opening = kind == "entry" or (kind == "strategy" and not closing)
    values = {
        "{{timenow}}": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "{{ticker}}": tradingview_ticker(market.symbol),
        "{{interval}}": tradingview_interval(config.timeframe),
        "{{strategy.order.action}}": "buy" if opening else "sell",
        "{{strategy.market_position}}": "long" if opening else "flat",
        "{{strategy.market_position_size}}": size if opening else flat,
        "{{strategy.prev_market_position}}": "flat" if opening else "long",
        "{{strategy.prev_market_position_size}}": flat if opening else size,
        "{{strategy.order.price}}": format(price.normalize(), "f"),
        "{{close}}": format(price.normalize(), "f"),
        "{{strategy.order.contracts}}": size,
        "{{strategy.order.id}}": f"tradefleet-test-{uuid.uuid4().hex[:12]}",
        "{{strategy.order.comment}}": "Test alert from the Webhook setup page",
    }
    return fill_placeholders(template, values)


def _pick(rows: list[Any], wanted: uuid.UUID | None, field_name: str, what: str) -> Any:
    if wanted is None:
        return None
    for row in rows:
        if row.pk == wanted:
            return row
    raise ValidationError({field_name: [f"You have no {what} with this id."]})


def _config_serves(config: DCAConfig, account: ExchangeConfig) -> bool:
    """Whether signals on `account` use `config` (trading/signals/routing.py's rule)."""
    if config.account_id is not None:
        return config.account_id == account.pk
    return config.exchange == account.exchange


def _where(config: DCAConfig) -> str:
    if config.account is not None:
        return f"account '{config.account.label}'"
    return f"every {config.exchange} account"
