"""The adapter for every ccxt exchange, and for the built-in simulator (which speaks binance).

One instance per account (private calls) or per exchange (public data). What it adds to ccxt:
- every request passes the fleet-wide rate limiter (brokers/ratelimit.py), and a 429/418 backs
  off every worker;
- market metadata and tickers come from the shared cache (brokers/markets.py);
- results are the typed dataclasses of `base.py`, in Decimal built from the exchange's strings;
- every ccxt error becomes a brokers.errors exception with a message free of secrets.
"""

from __future__ import annotations

import decimal
import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import ccxt
from django.conf import settings

from brokers import markets as shared
from brokers import ratelimit
from brokers.errors import BrokerError, InvalidOrder, OrderNotFound

from . import ccxt_convert as convert
from .base import AccountCheck, Balance, BrokerAdapter, Candle, Market, Order, OrderType, Side, Ticker, Trade
from .ccxt_clients import ccxt_client
from .ccxt_errors import CANCEL, CREATE, LOOKUP, OTHER, map_error

if TYPE_CHECKING:
    from brokers.models import ExchangeConfig

SIMULATOR = "simulator"
# What ccxt's `set_markets` sets on an exchange (ccxt 4.5): copying these from a client that
# parsed the table gives another client of the same exchange class the same table.
CCXT_MARKET_TABLE = (
    "markets",
    "markets_by_id",
    "symbols",
    "ids",
    "currencies",
    "currencies_by_id",
    "codes",
    "baseCurrencies",
    "quoteCurrencies",
)
T = TypeVar("T")

# ccxt logs every request at DEBUG with its headers, and for binance the headers carry the API
# key (X-MBX-APIKEY). LOG_LEVEL=DEBUG must not put keys in the logs.
logging.getLogger("ccxt").setLevel(logging.INFO)

WITHDRAW_WARNING = (
    "Withdrawals are enabled for this API key. Tradefleet never withdraws: create a key without "
    "withdrawal permission so a leaked key cannot move funds off the exchange."
)


def _binance_spot_options() -> dict[str, Any]:
    # Without these, binance's load_markets also calls futures and signed margin endpoints
    # (reference/stack-notes.md), and fetch_open_orders() without a symbol refuses to run.
    return {
        "defaultType": "spot",
        "fetchMarkets": {"types": ["spot"]},
        "fetchCurrencies": False,
        "fetchMargins": False,
        "fetchOpenOrders": {"warnWithoutSymbol": False},
    }


def _timeout_ms() -> int:
    return int(getattr(settings, "EXCHANGE_TIMEOUT_MS", 10_000))


def _build_exchange(exchange_id: str, api_key: str, secret: str, passphrase: str, testnet: bool) -> Any:
    """A client with these credentials, cloned from this thread's prototype of the exchange."""
    credentials = {"apiKey": api_key, "secret": secret} if api_key else {}
    if passphrase:
        credentials["password"] = passphrase
    timeout = _timeout_ms()
    if exchange_id == SIMULATOR:
        from brokers.simulator.ccxt_client import simulator_exchange

        url = getattr(settings, "SIMULATOR_URL", "http://127.0.0.1:9009")
        # simulator_exchange sets the same spot-only options as _binance_spot_options.
        return ccxt_client(
            (SIMULATOR, url, timeout), lambda: simulator_exchange(url, timeout_ms=timeout), **credentials
        )
    if exchange_id not in ccxt.exchanges:
        raise BrokerError(f"Unknown exchange '{exchange_id}'", exchange=exchange_id)
    return ccxt_client(
        (exchange_id, testnet, timeout), lambda: _prototype(exchange_id, testnet, timeout), **credentials
    )


def _prototype(exchange_id: str, testnet: bool, timeout: int) -> Any:
    cls = getattr(ccxt, exchange_id)
    config: dict[str, Any] = {"timeout": timeout, "enableRateLimit": True}
    if cls in (ccxt.binance, ccxt.binanceus):
        config["options"] = _binance_spot_options()
    exchange = cls(config)
    if testnet:
        if not exchange.urls.get("test"):
            raise BrokerError(f"{exchange_id} has no testnet; use live mode or paper", exchange=exchange_id)
        exchange.set_sandbox_mode(True)
    return exchange


class CcxtAdapter(BrokerAdapter):
    """Not thread-safe (neither is a ccxt instance): one adapter per task or thread."""

    def __init__(
        self,
        exchange_id: str,
        *,
        api_key: str = "",
        secret: str = "",
        passphrase: str = "",
        testnet: bool = False,
    ) -> None:
        self.exchange_id = exchange_id
        self.testnet = testnet and exchange_id != SIMULATOR  # the simulator has one mode
        # Testnet is another exchange as far as markets, prices and rate limits go.
        self.scope = exchange_id + ("-testnet" if self.testnet else "")
        self._secrets = tuple(s for s in (api_key, secret, passphrase) if s)
        self.exchange = _build_exchange(exchange_id, api_key, secret, passphrase, self.testnet)
        self._raw = isinstance(self.exchange, ccxt.binance)  # binance's `info` has exact strings
        throttle = ratelimit.throttle_for(
            self.scope,
            rate_limit_ms=float(self.exchange.rateLimit),
            scope=ratelimit.scope_for(exchange_id),
            api_key=api_key,
        )
        ratelimit.install(self.exchange, throttle)
        self._markets: dict[str, Market] = {}
        self._markets_version: float | None = None

    @classmethod
    def from_config(cls, config: ExchangeConfig) -> CcxtAdapter:
        from brokers.models import Mode

        adapter = cls(
            config.exchange,
            api_key=config.api_key or "",
            secret=config.api_secret or "",
            passphrase=config.passphrase or "",
            testnet=config.mode == Mode.TESTNET,
        )
        # Its requests are this account's work: held back for long, its owner is told (rate_limited).
        adapter.exchange.tf_throttle.owner = ratelimit.Owner.of(config)
        return adapter

    @classmethod
    def public(cls, exchange_id: str, *, testnet: bool = False) -> CcxtAdapter:
        return cls(exchange_id, testnet=testnet)

    def __repr__(self) -> str:  # never the key: adapters end up in logs and tracebacks
        return f"<CcxtAdapter {self.scope}>"

    # --- plumbing ---------------------------------------------------------------------------------
    def _call(self, fn: Callable[..., T], *args: Any, op: str = OTHER, **kwargs: Any) -> T:
        try:
            # ccxt's decimal_to_precision sets rounding and traps on the thread's decimal
            # context; a local context keeps that from leaking into our own Decimal math.
            with decimal.localcontext():
                return fn(*args, **kwargs)
        except BrokerError:
            raise  # ours already (the rate limiter's RateLimited)
        except ccxt.BaseError as exc:
            raise map_error(
                exc,
                exchange=self.exchange_id,
                op=op,
                status=getattr(self.exchange, "tf_last_status", None),
                retry_after=getattr(self.exchange, "tf_retry_after", None),
                secrets=self._secrets,
            ) from None  # the ccxt message holds the signed URL: keep it out of tracebacks

    def _symbol(self, symbol: str) -> str:
        return self.market(symbol).symbol

    # --- public market data -----------------------------------------------------------------------
    def load_markets(self, *, reload: bool = False) -> dict[str, Market]:
        payload = self._call(shared.shared_markets, self.scope, self._fetch_markets, reload=reload)
        if payload["fetched_at"] != self._markets_version:
            # ccxt's own methods (create_order, ...) need its market table; the cached one spares
            # every adapter the request, and the table parsed once per process spares it the
            # parse: every client of this exchange gets the same (read-only) dicts.
            markets, table = shared.parsed_markets(self.scope, payload, self._parse_markets)
            for attr, value in table.items():
                setattr(self.exchange, attr, value)
            self._markets = markets
            self._markets_version = payload["fetched_at"]
        return self._markets

    def _parse_markets(self, payload: dict[str, Any]) -> tuple[dict[str, Market], dict[str, Any]]:
        self._call(self.exchange.set_markets, payload["ccxt"])
        markets = {s: shared.market_from_json(m) for s, m in payload["markets"].items()}
        return markets, {attr: getattr(self.exchange, attr, None) for attr in CCXT_MARKET_TABLE}

    def _fetch_markets(self) -> dict[str, Any]:
        loaded = self._call(self.exchange.load_markets, True)
        spot = {s: dict(m) for s, m in loaded.items() if m.get("spot", True)}
        mode = int(self.exchange.precisionMode)
        return {
            "ccxt": spot,
            "markets": {
                s: shared.market_to_json(
                    convert.market_from_ccxt(m, precision_mode=mode, binance_raw=self._raw)
                )
                for s, m in spot.items()
            },
        }

    def fetch_ticker(self, symbol: str) -> Ticker:
        unified = self._symbol(symbol)

        def fetch() -> dict[str, Any]:
            raw = self._call(self.exchange.fetch_ticker, unified)
            return convert.ticker_json({**raw, "symbol": unified}, binance_raw=self._raw)

        return convert.ticker_from_json(shared.shared_ticker(self.scope, unified, fetch))

    def fetch_tickers(self, symbols: Iterable[str]) -> dict[str, Ticker]:
        unified = [self._symbol(s) for s in symbols]

        def fetch_many(missing: list[str]) -> dict[str, dict[str, Any]]:
            if self.exchange.has.get("fetchTickers"):
                raw = self._call(self.exchange.fetch_tickers, missing)
            else:
                raw = {s: self._call(self.exchange.fetch_ticker, s) for s in missing}
            return {s: convert.ticker_json({**t, "symbol": s}, binance_raw=self._raw) for s, t in raw.items()}

        found = shared.shared_tickers(self.scope, unified, fetch_many)
        return {s: convert.ticker_from_json(t) for s, t in found.items() if t.get("last") is not None}

    def fetch_ohlcv(
        self, symbol: str, timeframe: str = "1h", *, since: datetime | None = None, limit: int | None = None
    ) -> list[Candle]:
        since_ms = int(since.timestamp() * 1000) if since else None
        rows = self._call(self.exchange.fetch_ohlcv, self._symbol(symbol), timeframe, since_ms, limit)
        return [convert.candle_from_ccxt(row) for row in rows]

    # --- private: the account ---------------------------------------------------------------------
    def fetch_balance(self) -> dict[str, Balance]:
        raw = self._call(self.exchange.fetch_balance)
        return convert.balances_from_ccxt(raw, binance_raw=self._raw)

    def check_account(self) -> AccountCheck:
        raw = self._call(self.exchange.fetch_balance)
        info = raw.get("info") or {}
        # A key that could fetch the balance works; exchanges that report permissions (binance:
        # canTrade, canWithdraw on /api/v3/account) refine that.
        can_trade = convert.flag(info.get("canTrade"))
        can_withdraw = convert.flag(info.get("canWithdraw"))
        return AccountCheck(
            can_trade=True if can_trade is None else can_trade,
            can_withdraw=can_withdraw,
            balances=convert.balances_from_ccxt(raw, binance_raw=self._raw),
            warnings=(WITHDRAW_WARNING,) if can_withdraw else (),
        )

    def create_order(
        self,
        *,
        symbol: str,
        side: Side,
        type: OrderType,
        amount: Decimal,
        price: Decimal | None = None,
        client_order_id: str,
    ) -> Order:
        unified = self._symbol(symbol)
        if type == OrderType.LIMIT and price is None:
            raise InvalidOrder("a limit order needs a price", exchange=self.exchange_id)
        raw = self._call(
            self.exchange.create_order,
            unified,
            type.value,
            side.value,
            _wire_number(amount, "quantity", self.exchange_id),
            _wire_number(price, "price", self.exchange_id) if type == OrderType.LIMIT and price else None,
            {"clientOrderId": client_order_id},  # binance: newClientOrderId
            op=CREATE,
        )
        return convert.order_from_ccxt(
            {**raw, "symbol": raw.get("symbol") or unified},
            binance_raw=self._raw,
            client_order_id=client_order_id,
        )

    def fetch_order(self, *, symbol: str, order_id: str) -> Order:
        raw = self._call(self.exchange.fetch_order, order_id, self._symbol(symbol), op=LOOKUP)
        return convert.order_from_ccxt(raw, binance_raw=self._raw)

    def fetch_order_by_client_id(self, *, symbol: str, client_order_id: str) -> Order:
        unified = self._symbol(symbol)
        if self._raw:
            raw = self._call(
                self.exchange.fetch_order, None, unified, {"origClientOrderId": client_order_id}, op=LOOKUP
            )
            return convert.order_from_ccxt(raw, binance_raw=True, client_order_id=client_order_id)
        return self._search_by_client_id(unified, client_order_id)

    def _search_by_client_id(self, unified: str, client_order_id: str) -> Order:
        """Exchanges without a lookup by client order id: the open orders, then the closed ones;
        the newest wins if the exchange let an id be reused after the first order closed."""
        has = self.exchange.has
        sources: list[Callable[[], list[dict[str, Any]]]] = []
        if has.get("fetchOpenOrders"):
            sources.append(lambda: self._call(self.exchange.fetch_open_orders, unified, op=LOOKUP))
        if has.get("fetchClosedOrders"):
            sources.append(lambda: self._call(self.exchange.fetch_closed_orders, unified, op=LOOKUP))
        elif has.get("fetchOrders"):
            sources.append(lambda: self._call(self.exchange.fetch_orders, unified, op=LOOKUP))
        for source in sources:
            matches = [o for o in source() if o.get("clientOrderId") == client_order_id]
            if matches:
                newest = max(matches, key=lambda o: o.get("timestamp") or 0)
                return convert.order_from_ccxt(newest, binance_raw=self._raw, client_order_id=client_order_id)
        raise OrderNotFound(
            f"{self.exchange_id}: no order with client id {client_order_id} on {unified}",
            exchange=self.exchange_id,
        )

    def cancel_order(self, *, symbol: str, order_id: str) -> Order:
        unified = self._symbol(symbol)
        raw = self._call(self.exchange.cancel_order, order_id, unified, op=CANCEL)
        if not raw.get("status") or not raw.get("amount"):
            # Some exchanges answer a cancel with the id only; the order itself says the rest.
            return self.fetch_order(symbol=unified, order_id=order_id)
        order = convert.order_from_ccxt(
            {**raw, "symbol": raw.get("symbol") or unified}, binance_raw=self._raw
        )
        # A cancel answer's time is the cancel's (binance: transactTime), not the order's creation.
        return replace(order, created_at=None)

    def fetch_open_orders(self, symbol: str | None = None) -> list[Order]:
        unified = self._symbol(symbol) if symbol else None
        raw = self._call(self.exchange.fetch_open_orders, unified, op=LOOKUP)
        return [convert.order_from_ccxt(o, binance_raw=self._raw) for o in raw]

    def fetch_my_trades(
        self, symbol: str, *, since: datetime | None = None, limit: int | None = None
    ) -> list[Trade]:
        since_ms = int(since.timestamp() * 1000) if since else None
        raw = self._call(self.exchange.fetch_my_trades, self._symbol(symbol), since_ms, limit)
        return [convert.trade_from_ccxt(t, binance_raw=self._raw) for t in raw]

    def close(self) -> None:
        self.exchange.close()


def _wire_number(value: Decimal, what: str, exchange: str) -> float:
    """ccxt's API takes floats and formats them with `str()` before sending. That is exact for
    up to 15 significant digits; refuse anything a float would silently change."""
    number = float(value)
    if Decimal(repr(number)) != value:
        raise InvalidOrder(f"{what} {value} has more digits than can be sent exactly", exchange=exchange)
    return number
