"""Who may post to the webhook: the user named in the URL whose secret the body carries, and
whose role trades.

    webhook_authenticate(user_id=..., body=..., ip=...) -> User   (or WebhookUnauthorized: 401,
                                                                   WebhookAuthThrottled: 429)
    webhook_authorize(user=..., request=...)              (or WebhookForbidden: 403, audited)

Nothing is stored for a 401 and the client learns nothing of why (unknown user, bad or missing
secret, inactive user, undecryptable secret all answer alike); the reason is counted
(`tradefleet_webhook_auth_failures_total`) and logged for operators with the user id and the
sender's address, never the secret, and never into the user's own log: anyone who knows a URL
can post to it, so a row per post would let a stranger flood a trader's log and sockets. The
user gets one summary per window instead (`webhook_auth_failures_report`, from a task scheduled
at the window's first refusal). Past a few refusals in a window (rate_limit.py,
`auth_failure_count`) further wrong secrets are answered 429 with Retry-After and logged no more.
The secret is compared before any of that, so the right secret always passes: nobody can lock a
trader out, not from another address, not from TradingView's own (which every TradingView
customer shares), not with the trader's stale alerts after a rotation.

The secret is compared in constant time, and an unknown user id costs a compare too. A viewer
(a role that does not trade) whose secret matched is refused 403 `role_not_allowed`, audited
like a failed login; the alert rate limit is taken first, so those rows are bounded too.

The hot path reads five columns with SQL compiled once per database, and keeps each user's
decrypted secret for this process, keyed by the row and its ciphertext (docs/benchmarks.md, P1).
"""

from __future__ import annotations

import hmac
import logging
import uuid
from datetime import UTC, datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from django.http import HttpRequest
from prometheus_client import Counter

from accounts.models import Role, User
from auditlog.services import record
from config.encryption import DecryptionError
from config.prepared import fetchone
from config.tasks import task_named
from trading.runtime import task_names as names
from trading.signals.rate_limit import (
    AuthFailureTally,
    WebhookAuthThrottled,
    auth_failure_count,
    auth_failures_in,
)
from trading.signals.webhook import SignalRejected, extract_secret

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("tradefleet.security")

WEBHOOK_AUTH_FAILURES = Counter(
    "tradefleet_webhook_auth_failures_total",
    "Webhook requests refused with 401 or 429 (bad or missing secret, unknown or inactive user).",
    ["reason"],
)
# Compared against when the user id is unknown, so that path costs about what a real compare does.
_DUMMY_SECRET = b"x" * 43
_COLUMNS = ("is_active", "webhook_secret_encrypted", "routes_version", "role")
# Refusals that say something to the user named in the URL (their row exists, the secret was
# wrong or missing): counted for them and summed up in their log once per window.
_TOLD_TO_USER = frozenset({"bad_secret", "missing_secret"})
REPORT_AUTH_FAILURES = names.REPORT_WEBHOOK_AUTH_FAILURES
# The summary runs this long after its window ends, so the window's last refusals are in it.
_REPORT_DELAY = 5


class WebhookUnauthorized(Exception):
    """401: nothing is stored. `reason` is for the metric and the log, never for the client."""

    def __init__(self, reason: str, detail: str = "Invalid webhook secret.") -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class WebhookForbidden(Exception):
    """403: the secret matched but the user's role does not trade; nothing is stored."""

    code = "role_not_allowed"

    def __init__(self, role: str) -> None:
        super().__init__(
            f"Your role ({role}) does not trade, so your webhook refuses alerts; "
            "an admin can give you the trader role."
        )
        self.role = role


def webhook_authenticate(*, user_id: str, body: object, ip: str) -> User:
    """The active user whose secret the body carries (with their role, for webhook_authorize);
    WebhookUnauthorized otherwise, or WebhookAuthThrottled past the limits of refusals."""
    try:
        pk = uuid.UUID(user_id)
    except ValueError:
        _refuse_auth("unknown_user", user_id, ip)
    try:
        candidate = _as_bytes(extract_secret(body))
    except SignalRejected:
        candidate = None
    found = _user_row(pk)
    if found is None:
        hmac.compare_digest(_DUMMY_SECRET, candidate or b"")
        _refuse_auth("unknown_user", user_id, ip)
    is_active, ciphertext, routes_version, role = found
    user = User(
        id=pk,
        is_active=bool(is_active),
        webhook_secret_encrypted=ciphertext,
        routes_version=routes_version,
        role=role,
    )
    if candidate is None:
        _refuse_auth("missing_secret", user_id, ip, user=pk)
    try:
        secret = _plaintext_secret(user)
    except DecryptionError:
        logger.error("webhook secret of user %s cannot be decrypted (ENCRYPTION_KEYS?)", user.pk)
        _refuse_auth("undecryptable", user_id, ip)
    if not secret or not hmac.compare_digest(secret.encode(), candidate):
        _refuse_auth("bad_secret", user_id, ip, user=pk)
    if not user.is_active:
        _refuse_auth("inactive_user", user_id, ip)
    user._webhook_secret_plain = secret  # type: ignore[attr-defined]  # reused for masking, never saved
    return user


def webhook_authorize(*, user: User, request: HttpRequest) -> None:
    """WebhookForbidden (and an audit entry) unless the authenticated user's role trades: the
    role is read with the secret, so a demotion applies to the very next alert."""
    if user.has_role(Role.TRADER):
        return
    record(
        action="webhook.refused",
        owner=user,
        resource_type="accounts.User",
        resource_id=user.pk,
        request=request,
        changes={"code": WebhookForbidden.code, "role": user.role},
    )
    raise WebhookForbidden(user.role)


def _as_bytes(candidate: str) -> bytes:
    # A JSON escape such as "\ud800" decodes to a lone surrogate, which strict UTF-8 cannot
    # encode; it can never equal a real secret, so it is compared (and refused) like any other.
    return candidate.encode("utf-8", "surrogatepass")


_select_sql: dict[str, str] = {}
# user id -> (ciphertext, plaintext), this process only: the AES-GCM decrypt of the same value on
# every alert. Keyed by the row and checked against its current ciphertext, so a rotated secret
# (a new ciphertext) is decrypted afresh and a ciphertext copied into another row is not trusted.
_plaintexts: dict[uuid.UUID, tuple[str, str]] = {}


def _user_row(pk: uuid.UUID) -> tuple[bool, str, int, str] | None:
    """The columns the hot path reads (the id is known: the flag, the ciphertext, the routes
    version of trading/signals/routing.py and the role), not a model; the SQL compiled once per
    database, like the INSERT's, prepared once per connection (config/prepared.py), and the id
    converted as the ORM converts it."""
    using = router.db_for_read(User)
    connection = connections[using]
    sql = _select_sql.get(using)
    if sql is None:
        # A deleted account (accounts/deletion) is no user at all here: refused as unknown.
        query = (
            User.objects.filter(pk=pk, deleted_at__isnull=True).values_list(*_COLUMNS).order_by()[:1].query
        )
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


def _refuse_auth(reason: str, user_id: str, ip: str, *, user: uuid.UUID | None = None) -> Any:
    """Count the refusal, log it for operators while under the limits, schedule the user's
    summary at their window's first one, and raise the 401 (or the 429 past a limit)."""
    WEBHOOK_AUTH_FAILURES.labels(reason=reason).inc()
    shown_id, ip = user_id[:64], ip or "unknown"  # no address (or none we trust) is one sender
    try:
        counted_for = user if reason in _TOLD_TO_USER else None
        tally: AuthFailureTally | None = auth_failure_count(user_id=counted_for, ip=ip)
    except Exception as exc:  # the counters' store (Redis) is down: still a 401, just uncounted
        logger.warning("webhook refusals not counted (%s)", type(exc).__name__, extra={"service_log": False})
        tally = None
    context = {"event": "webhook.auth_failed", "reason": reason, "user_id": shown_id, "ip": ip}
    # service_log=False: for operators only, never a row in the user's log (see the docstring).
    if tally is None or not tally.retry_after:
        security_logger.warning(
            "webhook refused (%s) for user %s from %s",
            reason,
            shown_id,
            ip,
            extra={**context, "service_log": False},
        )
    elif tally.limit_reached:
        security_logger.warning(
            "webhook refusals for user %s from %s over the limit: answered 429 for %s s, logged no more",
            shown_id,
            ip,
            tally.retry_after,
            extra={**context, "service_log": False},
        )
    if tally is not None and tally.first_for_user and user is not None:
        transaction.on_commit(partial(_schedule_report, user, tally))  # at once: the view is autocommit
    if tally is not None and tally.retry_after:
        raise WebhookAuthThrottled(tally.retry_after)
    raise WebhookUnauthorized(reason)


def _schedule_report(user: uuid.UUID, tally: AuthFailureTally) -> None:
    try:
        task_named(REPORT_AUTH_FAILURES).apply_async(
            kwargs={"user_id": str(user), "window": tally.window},
            countdown=tally.window_left + _REPORT_DELAY,
        )
    except Exception as exc:  # the broker is down: the counts stay readable until they expire
        logger.warning("refusal summary not scheduled (%s)", type(exc).__name__, extra={"service_log": False})


def webhook_auth_failures_report(*, user_id: str, window: int) -> None:
    """One SECURITY row in the user's log (and on their sockets) for a window's refused posts
    to their URL: how many, from how many addresses, which ones (the first few)."""
    tally = auth_failures_in(user_id=user_id, window=window)
    if tally is None or tally.count == 0:
        return  # expired (a late message) or nothing counted
    seconds = settings.WEBHOOK_AUTH_FAILURE_WINDOW
    start = datetime.fromtimestamp(window * seconds, tz=UTC)
    end = datetime.fromtimestamp((window + 1) * seconds, tz=UTC)
    requests = "request" if tally.count == 1 else "requests"
    places = "address" if tally.addresses == 1 else "addresses"
    security_logger.warning(
        "%d webhook %s with a wrong or missing secret from %d %s (%s) between %s and %s UTC; "
        "refused, nothing traded. If they are your alerts, paste the secret from Webhook setup; "
        "if not, someone knows your webhook URL: rotate the secret.",
        tally.count,
        requests,
        tally.addresses,
        places,
        ", ".join(tally.shown) + (", ..." if tally.addresses > len(tally.shown) else ""),
        f"{start:%Y-%m-%d %H:%M}",
        f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}",
        extra={
            "user_id": user_id,
            "category": "SECURITY",
            "event": "webhook.auth_failures",
            "count": tally.count,
            "addresses": tally.addresses,
            "window_start": start.isoformat(),
        },
    )


def user_secret(user: User) -> str:
    return getattr(user, "_webhook_secret_plain", None) or str(user.webhook_secret)
