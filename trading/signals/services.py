"""Signal ingest: a TradingView webhook body becomes one stored `Signal` and one `process_signal`
message, or a refusal a trader can act on (reference/trading-semantics.md, "Signals").

    signal_ingest(user=..., body=...)            -> IngestResult (or SignalRefused: 4xx, row stored)
    signal_reject_unparsable(...)                -> a bad-JSON body kept only if it carries the secret

The user was authenticated and admitted first (authentication.py: one SELECT, the secret
compared; rate_limit.py: one Redis round trip). The hot path here is the account and DCA lookups
from memory, one `INSERT ... ON CONFLICT DO NOTHING RETURNING id` in autocommit (no BEGIN/COMMIT
round trips) and one enqueue (config/publish.py: the message `apply_async` would send, cheaper).
The row is committed before its message is sent: if the broker refuses the message, the alert is
still answered 202 and the signal sweeper sends it (enqueue.py). The same alert sent again while
its signal is still `received` (never acted on) is sent again and answered 202 as well; once the
engine has acted on it, a resend is a duplicate (200).
Market metadata comes from a per-process adapter over the fleet-wide market cache
(brokers/markets.py), so a warm lookup costs one cache GET of the version stamp.

Choices where the semantics page is silent (docs/user-guide/webhooks.md tells traders):
- 400 for a body we cannot read as the template (bad JSON, missing/invalid fields, placeholders);
  422 for a well-formed signal we will not act on (stale or future timestamp, no such account,
  unknown symbol, no DCA configuration); 401 for anything that fails authentication.
- Markets unreachable (exchange down, no cached copy): the signal is accepted as `received` with
  the symbol as sent and without the DCA check; the worker resolves both or rejects it then.
- A body that is not JSON is stored as a rejected signal only when it contains the user's
  secret (a broken paste of the trader's own template); otherwise anyone knowing the URL could
  fill a trader's log with junk. Either way it answers 400.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import uuid
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from django.db import connections, router, transaction
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
from django.utils import timezone
from prometheus_client import Counter

from accounts.models import User
from brokers.adapters.base import Market
from brokers.adapters.cache import public_market
from brokers.errors import BadSymbol, BrokerError
from brokers.models import ExchangeConfig
from config.encryption import DecryptionError
from config.prepared import fetchone
from trading.signals.authentication import user_secret
from trading.signals.enqueue import signal_enqueue, signal_requeue
from trading.signals.events import signal_event
from trading.signals.journal import refusal_told
from trading.signals.masking import masked_body, masked_text
from trading.signals.models import Signal, SignalStatus
from trading.signals.rate_limit import webhook_admit
from trading.signals.routing import AccountNotFound, AccountRoute, routes_for
from trading.signals.webhook import (
    CLOSES,
    MIN_GUARDED_SECRET,
    OPENS,
    ParsedSignal,
    SignalRejected,
    parse_webhook,
)

logger = logging.getLogger(__name__)

WEBHOOK_SIGNALS = Counter(
    "tradefleet_webhook_signals_total",
    "Authenticated webhook signals by outcome (accepted, duplicate, rejected).",
    ["outcome"],
)
_ACCEPTED = WEBHOOK_SIGNALS.labels(outcome="accepted")  # the hot path skips the label lookup
_DUPLICATE = WEBHOOK_SIGNALS.labels(outcome="duplicate")

# Codes of SignalRejected that mean "well-formed, but not actionable" (422); the rest are 400.
UNPROCESSABLE = frozenset({"stale", "future", "no_account", "unknown_symbol", "no_dca_config"})
NEEDS_DCA_CONFIG = frozenset({"signal", "reverse"})
PRELIMINARY = {"exit": "exit", "reduce": "reduce", "reverse": "reverse"}


class SignalRefused(Exception):
    """A refused signal, already stored as `rejected` (unless `signal_id` is None)."""

    def __init__(self, rejection: SignalRejected, *, signal_id: uuid.UUID | None) -> None:
        super().__init__(str(rejection))
        self.field = rejection.field
        self.reason = rejection.reason
        self.code = rejection.code
        self.signal_id = signal_id

    @property
    def http_status(self) -> int:
        return 422 if self.code in UNPROCESSABLE else 400


@dataclass(frozen=True, slots=True)
class IngestResult:
    signal_id: uuid.UUID
    status: str
    classification: str
    created: bool

    @property
    def http_status(self) -> int:
        """202 while the engine has yet to act on the signal (new, or a resend of one never
        processed); 200 for a duplicate of one it acted on."""
        return 202 if self.status == SignalStatus.RECEIVED else 200


# --- ingest -----------------------------------------------------------------------------------
def signal_reject_unparsable(*, user_id: str, raw: bytes, rejection: SignalRejected) -> uuid.UUID | None:
    """Keep a body we could not decode in the trader's log, if it proves to be theirs (it holds
    their secret). No 401 here: the caller answers 400 either way, so ids cannot be probed."""
    try:
        pk = uuid.UUID(user_id)
    except ValueError:
        return None
    user = User.objects.filter(pk=pk, is_active=True).only("id", "webhook_secret_encrypted").first()
    if user is None:
        return None
    try:
        secret = str(user.webhook_secret)
    except DecryptionError:
        return None
    if len(secret) < 8 or secret.encode() not in raw:
        return None
    webhook_admit(user_id=str(user.pk))  # it proved to be the trader's: it counts (rate_limit.py)
    signal = Signal.objects.create(
        user=user,
        status=SignalStatus.REJECTED,
        reason=f"{rejection.field}: {rejection.reason}",
        reason_code=rejection.code[:20],
        reason_field=rejection.field[:80],
        raw_body=masked_text(raw, secret),
    )
    signal_event(signal)
    refusal_told(signal)
    WEBHOOK_SIGNALS.labels(outcome="rejected").inc()
    return signal.pk


def signal_ingest(*, user: User, body: dict[str, object]) -> IngestResult:
    """Validate, resolve and store one authenticated webhook body; enqueue it when new."""
    secret = user_secret(user)
    raw_body = masked_body(body, secret)
    routes = routes_for(user)
    try:
        parsed = parse_webhook(body, now=timezone.now(), max_age_seconds=routes.max_signal_age_seconds)
    except SignalRejected as exc:
        raise _refuse(
            user=user, rejection=exc, raw_body=raw_body, parsed=None, account=None, body=body
        ) from None

    try:
        # The route, not a model: what the hot path reads (id, exchange, mode, label) without an
        # ExchangeConfig instance; refusals make one for the row's foreign key.
        account = routes.account(exchange=parsed.exchange, label=parsed.account_label)
    except AccountNotFound as exc:
        field = "execution_intent.account" if parsed.account_label else "tv.exchange"
        rejection = SignalRejected(field, str(exc), "no_account")
        raise _refuse(
            user=user, rejection=rejection, raw_body=raw_body, parsed=parsed, account=None
        ) from None

    symbol = parsed.symbol
    try:
        market = market_of(account, parsed.symbol)
    except BadSymbol:
        rejection = SignalRejected(
            "tv.symbol", f"{account.exchange} has no market {parsed.symbol}", "unknown_symbol"
        )
        raise _refuse(
            user=user, rejection=rejection, raw_body=raw_body, parsed=parsed, account=account.as_model()
        ) from None
    except BrokerError as exc:
        # Unreachable markets must not lose a signal: accept it; the worker resolves the symbol.
        logger.warning(
            "markets of %s unavailable (%s); signal accepted unresolved", account.exchange, type(exc).__name__
        )
        market = None
    if market is not None:
        symbol = market.symbol
        if parsed.intent_type in NEEDS_DCA_CONFIG and (
            not routes.has_dca_config(account=account, symbol=symbol, timeframe=parsed.timeframe)
        ):
            rejection = SignalRejected(
                "tv.symbol",
                f"there is no DCA configuration for {symbol} {parsed.timeframe} on {account.exchange} "
                f"(account '{account.label}'); create one under DCA configurations",
                "no_dca_config",
            )
            raise _refuse(
                user=user,
                rejection=rejection,
                raw_body=raw_body,
                parsed=parsed,
                account=account.as_model(),
                symbol=symbol,
            ) from None

    # The row's columns by attname: the INSERT needs values, not a model instance.
    row = {
        **_row_defaults(),
        "id": uuid.uuid4(),
        "user_id": user.pk,
        "account_id": account.id,
        "raw_body": raw_body,
        "parsed": parsed_json(parsed),
        "idempotency_key": stored_key(parsed),
        "exchange": account.exchange[:32],
        "symbol": symbol[:32],
        "timeframe": parsed.timeframe,
        "side": parsed.side,
        "intent_type": parsed.intent_type,
        "price": parsed.price,
        "sent_at": parsed.timestamp,
        "source": parsed.source[:32],
        "received_at": timezone.now(),
    }
    if not _insert_unless_duplicate(row):
        first = (
            Signal.objects.filter(user=user, idempotency_key=row["idempotency_key"])
            .values_list("id", "status")
            .first()
        )
        if first is None:  # the first was deleted between our INSERT and this SELECT: retry once
            if not _insert_unless_duplicate(row):
                raise RuntimeError("signal vanished and reappeared during dedup")
        else:
            _DUPLICATE.inc()
            if first[1] != SignalStatus.RECEIVED:
                return IngestResult(
                    signal_id=first[0], status=first[1], classification="duplicate", created=False
                )
            # Never acted on: its message may be lost (a worker killed, a broker that refused it).
            signal_id, user_id = str(first[0]), str(user.pk)
            transaction.on_commit(lambda: signal_requeue(signal_id=signal_id, user_id=user_id))
            return IngestResult(
                signal_id=first[0],
                status=SignalStatus.RECEIVED,
                classification=PRELIMINARY.get(parsed.intent_type, "pending"),
                created=False,
            )

    signal_id, user_id = str(row["id"]), str(user.pk)
    transaction.on_commit(lambda: signal_enqueue(signal_id=signal_id, user_id=user_id))
    _ACCEPTED.inc()
    return IngestResult(
        signal_id=row["id"],
        status=SignalStatus.RECEIVED,
        classification=PRELIMINARY.get(parsed.intent_type, "pending"),
        created=True,
    )


def _refuse(
    *,
    user: User,
    rejection: SignalRejected,
    raw_body: str,
    parsed: ParsedSignal | None,
    account: ExchangeConfig | None,
    symbol: str | None = None,
    body: dict[str, object] | None = None,
) -> SignalRefused:
    """Store the refusal (idempotency_key NULL, so it never blocks a later good signal)."""
    values: dict[str, Any] = _loose_fields(body, user_secret(user)) if body is not None else {}
    if parsed is not None:
        values = {
            "parsed": parsed_json(parsed),
            "exchange": parsed.exchange[:32],
            "symbol": (symbol or parsed.symbol)[:32],
            "timeframe": parsed.timeframe,
            "side": parsed.side,
            "intent_type": parsed.intent_type,
            "price": parsed.price,
            "sent_at": parsed.timestamp,
            "source": parsed.source[:32],
        }
    signal = Signal.objects.create(
        user=user,
        account=account,
        status=SignalStatus.REJECTED,
        reason=f"{rejection.field}: {rejection.reason}",
        reason_code=rejection.code[:20],
        reason_field=rejection.field[:80],
        raw_body=raw_body,
        idempotency_key=None,
        **values,
    )
    # Refusals are pushed to the trader's pages at once (a toast); accepted signals are pushed by
    # the worker once classified, which keeps the publish off the webhook's hot path.
    signal_event(signal)
    refusal_told(signal)
    WEBHOOK_SIGNALS.labels(outcome="rejected").inc()
    return SignalRefused(rejection, signal_id=signal.pk)


def _loose_fields(body: dict[str, object], secret: str) -> dict[str, Any]:
    """What a body the parser refused still says about itself (exchange, symbol, timeframe,
    side, type) as sent, so the trader's log shows which alert it was. Placeholders, non-text
    values and anything holding the secret are left out."""
    tv = body.get("tv") if isinstance(body.get("tv"), dict) else {}
    intent = body.get("execution_intent") if isinstance(body.get("execution_intent"), dict) else {}
    needle = secret.lower() if len(secret) >= MIN_GUARDED_SECRET else None

    def plain(block: Any, key: str, length: int) -> str:
        value = block.get(key) if isinstance(block, dict) else None
        if not isinstance(value, str) or not value.isprintable() or "{{" in value:
            return ""  # control characters (a NUL cannot even be stored) and placeholders
        if needle and needle in value.lower():
            return ""
        return value.strip()[:length]

    action, intent_type = plain(tv, "action", 5).lower(), plain(intent, "type", 8).lower()
    sides = (
        OPENS if intent_type in ("signal", "reverse") else CLOSES if intent_type in ("exit", "reduce") else {}
    )
    return {
        "exchange": plain(tv, "exchange", 32).lower(),
        "symbol": plain(tv, "symbol", 32).upper(),
        "timeframe": plain(tv, "timeframe", 10),
        "side": sides.get(action, ""),
        "intent_type": intent_type,
    }


def stored_key(parsed: ParsedSignal) -> str:
    """The dedup key as stored: the parser's key ("tid:<sha256>", "body:<bucket>:<sha256>") is
    longer than the column's 64 characters, so its SHA-256 goes in; the full key stays in
    `parsed["idempotency_key"]`."""
    return hashlib.sha256(parsed.idempotency_key.encode()).hexdigest()


_PARSED_FIELDS = tuple(f.name for f in fields(ParsedSignal) if f.name != "secret")


def parsed_json(parsed: ParsedSignal) -> dict[str, str | int | None]:
    """The parsed fields as JSON: Decimals and times as strings, never the secret."""
    out: dict[str, str | int | None] = {}
    for name in _PARSED_FIELDS:
        value = getattr(parsed, name)
        if isinstance(value, Decimal):
            out[name] = format(value, "f")
        elif value is None or isinstance(value, str | int):
            out[name] = value
        else:
            out[name] = value.isoformat()
    return out


_INSERT_FIELDS = [f for f in Signal._meta.concrete_fields]
_insert_sql: dict[str, str] = {}


@functools.cache
def _row_defaults() -> dict[str, Any]:
    """The columns a new signal keeps at their model default (status `received`, no reason, no
    group yet...), as a Signal() would fill them; the callables (id, received_at) are per row."""
    return {
        f.attname: f.get_default() for f in _INSERT_FIELDS if not (f.has_default() and callable(f.default))
    }


def _insert_unless_duplicate(row: dict[str, Any]) -> bool:
    """`INSERT ... ON CONFLICT DO NOTHING RETURNING id` of one row (column attname -> value):
    True when it went in.

    One statement in autocommit: no savepoint, no IntegrityError, and concurrent identical posts
    wait on the unique index and then see the first row (PostgreSQL and SQLite >= 3.35). Django's
    compiler renders the statement once per database, PostgreSQL plans it once per connection
    (config/prepared.py); values get the same conversions as `save()` (`get_db_prep_save`)."""
    using = router.db_for_write(Signal)
    connection = connections[using]
    sql = _insert_sql.get(using)
    if sql is None:
        query = InsertQuery(Signal, on_conflict=OnConflict.IGNORE)
        query.insert_values(_INSERT_FIELDS, [Signal(**row)])
        compiler = query.get_compiler(using=using)
        compiler.returning_fields = [Signal._meta.pk]
        [(sql, _)] = compiler.as_sql()
        _insert_sql[using] = sql
    params = [f.get_db_prep_save(row[f.attname], connection) for f in _INSERT_FIELDS]
    return fetchone(connection, "tf_signal_insert", sql, params) is not None


# --- markets ------------------------------------------------------------------------------------
def market_of(account: AccountRoute | ExchangeConfig, symbol: str) -> Market:
    """The market `symbol` names on the account's exchange (testnet markets for a testnet
    account on a real exchange). Raises BadSymbol, or another BrokerError when the markets cannot
    be loaded."""
    return public_market(account.exchange, symbol, testnet=account.mode == "testnet")
