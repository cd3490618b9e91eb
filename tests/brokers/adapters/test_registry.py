"""Which adapter an account gets, the exchange catalog, and a stored (encrypted) account talking
to the simulator end to end."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from accounts.models import User
from brokers.adapters.ccxt_adapter import CcxtAdapter
from brokers.adapters.paper import PaperAdapter
from brokers.adapters.registry import adapter_for, public_adapter, supported_exchanges
from brokers.errors import BrokerError
from brokers.models import ExchangeConfig, Mode
from brokers.services import exchange_config_validate
from tests.brokers.adapters.conftest import Keys


def stored_account(user: User, exchange: str, keys: Keys | None = None, **fields: str) -> ExchangeConfig:
    config = ExchangeConfig(user=user, exchange=exchange, **fields)
    if keys is not None:
        config.set_credentials(api_key=keys.api_key, api_secret=keys.secret)
    config.save()
    return ExchangeConfig.objects.get(pk=config.pk)  # credentials decrypted from the database


def test_catalog_lists_our_brokers_and_ccxt_exchanges_with_their_modes() -> None:
    catalog = {entry["id"]: entry for entry in supported_exchanges()}
    assert catalog["simulator"]["kind"] == "simulator"
    assert catalog["paper"]["kind"] == "paper"
    binance = catalog["binance"]
    assert {
        key: binance[key] for key in ("id", "name", "modes", "kind", "needs_password", "asset_class")
    } == {
        "id": "binance",
        "name": "Binance",
        "modes": ["testnet", "live"],
        "kind": "ccxt",
        "needs_password": False,
        "asset_class": "crypto",
    }
    assert [f["name"] for f in binance["credential_fields"]] == ["api_key", "api_secret"]
    assert [f["name"] for f in catalog["kucoin"]["credential_fields"]] == [
        "api_key",
        "api_secret",
        "password",
    ]
    kotak = catalog["kotak_neo"]
    assert (kotak["asset_class"], kotak["modes"]) == ("equities", ["live"])
    assert [f["name"] for f in kotak["credential_fields"]] == [
        "api_key",
        "api_secret",
        "mobile_number",
        "ucc",
        "mpin",
        "totp_secret",
    ]
    assert catalog["kotak_simulator"]["credential_fields"] == []  # the platform makes the account
    assert catalog["paper_nse"]["asset_class"] == "equities"
    assert catalog["kraken"]["modes"] == ["live"]  # ccxt knows no kraken sandbox
    assert catalog["kucoin"]["needs_password"] is True
    assert "hyperliquid" not in catalog  # signs with a wallet key ExchangeConfig cannot hold


@pytest.mark.django_db
def test_a_stored_simulator_account_trades_with_its_decrypted_keys(
    trader: User, funded: Callable[..., Keys]
) -> None:
    config = stored_account(trader, "simulator", funded({"USDT": "321.5"}))
    adapter = adapter_for(config)
    assert isinstance(adapter, CcxtAdapter)
    assert adapter.fetch_balance()["USDT"].free == Decimal("321.5")


@pytest.mark.django_db
def test_validating_a_stored_account_records_withdrawal_permission(
    trader: User, funded: Callable[..., Keys]
) -> None:
    config = stored_account(trader, "simulator", funded({"USDT": "10"}, can_withdraw=True))
    validated = exchange_config_validate(config=config)
    assert validated.is_validated and validated.last_error == "" and validated.can_withdraw is True

    refused = stored_account(trader, "simulator", Keys("Z" * 64, "Y" * 64), label="wrong")
    refused = exchange_config_validate(config=refused)
    assert not refused.is_validated and "Invalid API-key" in refused.last_error
    assert "Z" * 64 not in refused.last_error


@pytest.mark.django_db
def test_a_paper_account_fills_at_its_price_sources_prices(trader: User) -> None:
    config = stored_account(trader, "paper", price_source="simulator")
    adapter = adapter_for(config)
    assert isinstance(adapter, PaperAdapter)
    assert isinstance(adapter.market_data, CcxtAdapter) and adapter.market_data.exchange_id == "simulator"
    assert adapter.market("BTCUSDT").symbol == "BTC/USDT"


@pytest.mark.django_db
def test_a_testnet_account_uses_ccxts_sandbox_urls(trader: User) -> None:
    config = stored_account(trader, "binance", Keys("k" * 64, "s" * 64), mode=Mode.TESTNET)
    adapter = adapter_for(config)
    assert isinstance(adapter, CcxtAdapter)
    assert adapter.exchange.isSandboxModeEnabled
    assert "testnet.binance.vision" in adapter.exchange.urls["api"]["public"]
    assert adapter.scope == "binance-testnet"  # its own markets, tickers and rate budget
    live = CcxtAdapter.public("binance")
    assert not live.exchange.isSandboxModeEnabled and live.scope == "binance"


def test_the_simulator_has_one_mode_whatever_the_account_says() -> None:
    adapter = CcxtAdapter("simulator", testnet=True)
    assert adapter.scope == "simulator" and not adapter.exchange.isSandboxModeEnabled


def test_exchanges_we_cannot_serve_are_refused_clearly() -> None:
    with pytest.raises(BrokerError, match="no testnet"):
        CcxtAdapter("kraken", testnet=True)
    with pytest.raises(BrokerError, match="Unknown exchange"):
        public_adapter("nasdaq-by-carrier-pigeon")
    assert isinstance(public_adapter("paper"), CcxtAdapter)  # paper's markets: the simulator's
