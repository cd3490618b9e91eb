"""Which adapter serves an exchange account, and which exchanges can be connected.

    adapter_for(config)        an account's adapter (private calls)
    public_adapter("binance")  public market data, no account
    supported_exchanges()      the catalog the API and the account form show

Kinds: `ccxt` (any exchange ccxt knows), `simulator` (the built-in exchange, spoken to through
ccxt's binance client), `paper` (a ledger in our database filled at another exchange's prices),
`kotak` (Kotak Neo, NSE equities) and `kotak_simulator` (the built-in Kotak-compatible broker).
Another broker plugs in with `register(...)`: a factory for accounts, an optional one for public
data, and its catalog entry.

Each catalog entry says its `asset_class` (`crypto` or `equities`) and its `credential_fields`:
what the add-account form asks for, `[{name, label, secret, help}]`, empty for the simulators
(the account is made for you) and paper.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ccxt
from django.conf import settings

from brokers.errors import BrokerError

from .base import BrokerAdapter
from .ccxt_adapter import SIMULATOR, CcxtAdapter

if TYPE_CHECKING:
    from brokers.models import ExchangeConfig

PAPER = "paper"
KOTAK_NEO = "kotak_neo"
KOTAK_SIMULATOR = "kotak_simulator"
KOTAK_KINDS = ("kotak", "kotak_simulator")
CRYPTO = "crypto"
EQUITIES = "equities"
LIVE_AND_TESTNET = ["testnet", "live"]
# Where Kotak Neo's login lives (the SDK's session-init root); trading goes to the base URL the
# login answers with.
KOTAK_NEO_LOGIN_URL = "https://mis.kotaksecurities.com"
KOTAK_SIMULATOR_URL = "http://127.0.0.1:9010"
# What ExchangeConfig can hold; ccxt exchanges that sign with a wallet key or need a uid cannot
# be connected (their public data still can).
_STORABLE_CREDENTIALS = {"apiKey", "secret", "password"}


def _field(name: str, label: str, *, secret: bool, hint: str) -> dict[str, Any]:
    return {"name": name, "label": label, "secret": secret, "help": hint}


CCXT_FIELDS = (
    _field("api_key", "API key", secret=False, hint="Created in the exchange's API management page."),
    _field("api_secret", "API secret", secret=True, hint="Shown once by the exchange when the key is made."),
)
CCXT_PASSWORD_FIELD = _field(
    "password", "API passphrase", secret=True, hint="The passphrase you chose when making the key."
)
KOTAK_FIELDS = (
    _field(
        "api_key",
        "Consumer key",
        secret=True,
        hint="Kotak Neo app or web: Invest tab, Trade API card, your application's token.",
    ),
    _field(
        "api_secret",
        "Consumer secret (optional)",
        secret=True,
        hint="Only if your Trade API app shows one; the TOTP login does not use it.",
    ),
    _field(
        "mobile_number", "Mobile number", secret=False, hint="Registered with Kotak: 10 digits, +91 optional."
    ),
    _field(
        "ucc",
        "UCC (client code)",
        secret=False,
        hint="Your Unique Client Code, in the profile section of the Kotak Neo app.",
    ),
    _field("mpin", "MPIN", secret=True, hint="The 4-6 digit MPIN you log in to Kotak Neo with."),
    _field(
        "totp_secret",
        "TOTP secret (base32, from the authenticator set-up)",
        secret=True,
        hint="The key behind the QR code Kotak shows when you register TOTP for Trade API "
        "(most authenticator apps show it as text); it lets Tradefleet log in without you typing a code.",
    ),
)


@dataclass(frozen=True)
class BrokerKind:
    # The catalog entry: id, name, modes, kind, asset_class, credential_fields (needs_password)
    entry: dict[str, Any]
    for_account: Callable[[ExchangeConfig], BrokerAdapter]
    for_public: Callable[[], BrokerAdapter] | None = None


_registered: dict[str, BrokerKind] = {}


def register(kind: BrokerKind) -> None:
    """The extension point: a non-ccxt broker (e.g. Kotak Neo) registers itself here."""
    _registered[kind.entry["id"]] = kind


def _paper_adapter(config: ExchangeConfig) -> BrokerAdapter:
    from .paper import PaperAdapter

    source = (config.price_source or SIMULATOR).strip().lower()
    if source == PAPER:  # services refuse it; an edited row must not recurse forever
        raise BrokerError("A paper account cannot take its prices from paper", exchange=PAPER)
    return PaperAdapter(config, public_adapter(source))


register(
    BrokerKind(
        entry={
            "id": SIMULATOR,
            "name": "Tradefleet simulator",
            "modes": LIVE_AND_TESTNET,
            "kind": "simulator",
            "asset_class": CRYPTO,
            "credential_fields": [],
        },
        for_account=CcxtAdapter.from_config,
        for_public=lambda: CcxtAdapter.public(SIMULATOR),
    )
)
register(
    BrokerKind(
        entry={
            "id": PAPER,
            "name": "Paper trading",
            "modes": LIVE_AND_TESTNET,
            "kind": "paper",
            "asset_class": CRYPTO,
            "credential_fields": [],
        },
        for_account=_paper_adapter,
        # Paper has no prices of its own; its catalog entry's markets are the simulator's.
        for_public=lambda: CcxtAdapter.public(SIMULATOR),
    )
)


def kotak_login_url() -> str:
    return getattr(settings, "KOTAK_NEO_LOGIN_URL", KOTAK_NEO_LOGIN_URL).rstrip("/")


def kotak_simulator_url() -> str:
    return getattr(settings, "KOTAK_SIMULATOR_URL", KOTAK_SIMULATOR_URL).rstrip("/")


def _kotak_simulator_candles_url() -> str:
    # Ours, not Kotak's: real Kotak Neo has no candle history (docs/reference/kotak-neo-wire.md).
    return f"{kotak_simulator_url()}/_sim/candles"


def _kotak_adapter(
    config: ExchangeConfig, *, login_base_url: str, candles_url: str | None = None
) -> BrokerAdapter:
    from .kotak import KotakCredentials, KotakNeoAdapter
    from .session_cache import CacheSessionStore, session_key_for

    credentials = KotakCredentials(
        consumer_key=str(config.api_key),
        consumer_secret=str(config.api_secret),
        mobile_number=str(config.mobile_number),
        ucc=str(config.ucc),
        mpin=str(config.mpin),
        totp_secret=str(config.totp_secret),
    )
    return KotakNeoAdapter(
        credentials=credentials,
        login_base_url=login_base_url,
        exchange_id=config.exchange,
        session_store=CacheSessionStore(account_id=config.pk),
        session_key=session_key_for(config.pk),
        timeout=settings.EXCHANGE_TIMEOUT_MS / 1000,
        candles_url=candles_url,
    )


def _kotak_simulator_public() -> BrokerAdapter:
    from .kotak import KotakNeoAdapter

    return KotakNeoAdapter.public(
        login_base_url=kotak_simulator_url(),
        consumer_key=getattr(settings, "KOTAK_SIMULATOR_PUBLIC_KEY", "tradefleet-public"),
        exchange_id=KOTAK_SIMULATOR,
        candles_url=_kotak_simulator_candles_url(),
    )


register(
    BrokerKind(
        entry={
            "id": KOTAK_NEO,
            "name": "Kotak Neo (NSE)",
            "modes": ["live"],
            "kind": "kotak",
            "asset_class": EQUITIES,
            "credential_fields": list(KOTAK_FIELDS),
        },
        for_account=lambda config: _kotak_adapter(config, login_base_url=kotak_login_url()),
        # Kotak's quotes need a consumer key: no account, no public data.
    )
)
register(
    BrokerKind(
        entry={
            "id": KOTAK_SIMULATOR,
            "name": "Kotak Neo simulator (NSE)",
            "modes": LIVE_AND_TESTNET,
            "kind": "kotak_simulator",
            "asset_class": EQUITIES,
            "credential_fields": [],
        },
        for_account=lambda config: _kotak_adapter(
            config, login_base_url=kotak_simulator_url(), candles_url=_kotak_simulator_candles_url()
        ),
        for_public=_kotak_simulator_public,
    )
)


def adapter_for(config: ExchangeConfig) -> BrokerAdapter:
    """The adapter for an exchange account; raises BrokerError for an exchange we cannot serve."""
    exchange = config.exchange.strip().lower()
    if exchange in _registered:
        return _registered[exchange].for_account(config)
    if exchange in ccxt.exchanges:
        return CcxtAdapter.from_config(config)
    raise BrokerError(f"Unknown exchange '{config.exchange}'", exchange=config.exchange)


def public_adapter(exchange_id: str, *, testnet: bool = False) -> BrokerAdapter:
    """An adapter for public market data (markets, tickers, candles) of `exchange_id`."""
    exchange = exchange_id.strip().lower()
    kind = _registered.get(exchange)
    if kind is not None:
        if kind.for_public is None:
            raise BrokerError(f"{exchange_id} has no public market data", exchange=exchange_id)
        return kind.for_public()
    if exchange in ccxt.exchanges:
        return CcxtAdapter.public(exchange, testnet=testnet)
    raise BrokerError(f"Unknown exchange '{exchange_id}'", exchange=exchange_id)


def supported_exchanges() -> list[dict[str, Any]]:
    """Our own brokers first, then every ccxt exchange an account can be stored for, with the
    modes it offers (testnet only where ccxt knows a sandbox URL)."""
    return [_with_defaults(kind.entry) for kind in _registered.values()] + [
        _with_defaults(e) for e in _ccxt_catalog()
    ]


def _with_defaults(entry: dict[str, Any]) -> dict[str, Any]:
    # A copy the caller may change; a registered broker that says nothing is a crypto one.
    return {
        "asset_class": CRYPTO,
        **entry,
        "credential_fields": [dict(f) for f in entry.get("credential_fields", [])],
    }


def asset_class_of(exchange_id: str) -> str | None:
    """`crypto` or `equities` for a catalog id; None for an exchange we do not serve."""
    exchange = exchange_id.strip().lower()
    kind = _registered.get(exchange)
    if kind is not None:
        return kind.entry.get("asset_class", CRYPTO)
    return CRYPTO if exchange in ccxt.exchanges else None


@functools.cache
def _ccxt_catalog() -> tuple[dict[str, Any], ...]:
    # Instantiating the ~100 ccxt classes takes ~0.25 s; the catalog never changes in a process.
    entries = []
    for exchange_id in ccxt.exchanges:
        exchange = getattr(ccxt, exchange_id)()
        required = {name for name, needed in exchange.requiredCredentials.items() if needed}
        if not required <= _STORABLE_CREDENTIALS:
            continue
        entries.append(
            {
                "id": exchange_id,
                "name": exchange.name or exchange_id,
                "modes": LIVE_AND_TESTNET if exchange.urls.get("test") else ["live"],
                "kind": "ccxt",
                "asset_class": CRYPTO,
                "needs_password": "password" in required,
                "credential_fields": [
                    *CCXT_FIELDS,
                    *([CCXT_PASSWORD_FIELD] if "password" in required else []),
                ],
            }
        )
    return tuple(entries)
