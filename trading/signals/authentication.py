"""Who may post to the webhook: the user named in the URL whose secret the body carries.

    webhook_authenticate(user_id=..., body=..., ip=...) -> User   (or WebhookUnauthorized: 401)

Nothing is stored for a 401 and the client learns nothing of why (unknown user, bad or missing
secret, inactive user, undecryptable secret all answer alike); the reason is counted
(`tradefleet_webhook_auth_failures_total`) and logged once with the user id and the sender's
address, never the secret. The secret is compared in constant time, and an unknown user id
costs a compare too.

The hot path reads four columns with SQL compiled once per database, and keeps each user's
decrypted secret for this process, keyed by the row and its ciphertext (docs/benchmarks.md, P1).
"""

from __future__ import annotations

import hmac
import logging
import uuid
from typing import Any

from django.db import connections, router
from prometheus_client import Counter

from accounts.models import User
from config.encryption import DecryptionError
from config.prepared import fetchone
from trading.signals.webhook import SignalRejected, extract_secret

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("tradefleet.security")

WEBHOOK_AUTH_FAILURES = Counter(
    "tradefleet_webhook_auth_failures_total",
    "Webhook requests refused with 401 (bad or missing secret, unknown or inactive user).",
    ["reason"],
)
# Compared against when the user id is unknown, so that path costs about what a real compare does.
_DUMMY_SECRET = b"x" * 43
_COLUMNS = ("is_active", "webhook_secret_encrypted", "routes_version")


class WebhookUnauthorized(Exception):
    """401: nothing is stored. `reason` is for the metric and the log, never for the client."""

    def __init__(self, reason: str, detail: str = "Invalid webhook secret.") -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def webhook_authenticate(*, user_id: str, body: object, ip: str) -> User:
    """The active user whose secret the body carries; WebhookUnauthorized otherwise (counted,
    logged once with user id and IP, never the secret)."""
    try:
        candidate = extract_secret(body)
    except SignalRejected:
        _refuse_auth("missing_secret", user_id, ip)
    try:
        pk = uuid.UUID(user_id)
    except ValueError:
        _refuse_auth("unknown_user", user_id, ip)
    found = _user_row(pk)
    if found is None:
        hmac.compare_digest(_DUMMY_SECRET, candidate.encode())
        _refuse_auth("unknown_user", user_id, ip)
    is_active, ciphertext, routes_version = found
    user = User(
        id=pk, is_active=bool(is_active), webhook_secret_encrypted=ciphertext, routes_version=routes_version
    )
    try:
        secret = _plaintext_secret(user)
    except DecryptionError:
        logger.error("webhook secret of user %s cannot be decrypted (ENCRYPTION_KEYS?)", user.pk)
        _refuse_auth("undecryptable", user_id, ip)
    if not secret or not hmac.compare_digest(secret.encode(), candidate.encode()):
        _refuse_auth("bad_secret", user_id, ip)
    if not user.is_active:
        _refuse_auth("inactive_user", user_id, ip)
    user._webhook_secret_plain = secret  # type: ignore[attr-defined]  # reused for masking, never saved
    return user


_select_sql: dict[str, str] = {}
# user id -> (ciphertext, plaintext), this process only: the AES-GCM decrypt of the same value on
# every alert. Keyed by the row and checked against its current ciphertext, so a rotated secret
# (a new ciphertext) is decrypted afresh and a ciphertext copied into another row is not trusted.
_plaintexts: dict[uuid.UUID, tuple[str, str]] = {}


def _user_row(pk: uuid.UUID) -> tuple[bool, str, int] | None:
    """The four columns the hot path reads (the id is known: the flag, the ciphertext and the
    routes version of trading/signals/routing.py), not a model; the SQL compiled once per
    database, like the INSERT's, prepared once per connection (config/prepared.py), and the id
    converted as the ORM converts it."""
    using = router.db_for_read(User)
    connection = connections[using]
    sql = _select_sql.get(using)
    if sql is None:
        query = User.objects.filter(pk=pk).values_list(*_COLUMNS).order_by()[:1].query
        sql, _ = query.get_compiler(using=using).as_sql()
        _select_sql[using] = sql
    return fetchone(connection, "tf_webhook_user", sql, [User._meta.pk.get_db_prep_value(pk, connection)])


def _plaintext_secret(user: User) -> str:
    cached = _plaintexts.get(user.pk)
    if cached is not None and cached[0] == user.webhook_secret_encrypted:
        return cached[1]
    secret = str(user.webhook_secret)
    if len(_plaintexts) >= 10_000:  # users, not requests: only rows that exist get here
        _plaintexts.clear()
    _plaintexts[user.pk] = (user.webhook_secret_encrypted, secret)
    return secret


def _refuse_auth(reason: str, user_id: str, ip: str) -> Any:
    WEBHOOK_AUTH_FAILURES.labels(reason=reason).inc()
    security_logger.warning(
        "webhook refused (%s) for user %s from %s",
        reason,
        user_id[:64],
        ip,
        extra={"event": "webhook.auth_failed", "reason": reason, "user_id": user_id[:64], "ip": ip},
    )
    raise WebhookUnauthorized(reason)


def user_secret(user: User) -> str:
    return getattr(user, "_webhook_secret_plain", None) or str(user.webhook_secret)
