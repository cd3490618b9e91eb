"""Everything one user owns, one row of each kind the API can name by id, for the matrices.

Read-side rows come from the factories (as the engine would have written them); the account is
a real simulator account when a simulator runs, so the owner's own calls reach the exchange."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Model
from django.forms.models import model_to_dict

from accounts.models import User, UserSession
from accounts.sessions import session_start
from auditlog.models import AuditLog
from auditlog.models_logs import ErrorLog, LogLevel, ServiceLog
from auditlog.services import record
from brokers.models import ExchangeConfig
from notifications.models import Notification
from tests.trading.factories import (
    ExchangeConfigFactory,
    SignalFactory,
    UnknownExchangeOrderFactory,
    group_with_legs,
)
from trading.dca.models import DCAConfig
from trading.equities.models import AnalysisRun, LegacyImport
from trading.positions.models import PositionGroup, UnknownExchangeOrder
from trading.queue.models import QueueEntry
from trading.signals.models import Signal

LEVELS = [
    {"gap_percent": "0", "weight_percent": "50", "tp_percent": "1"},
    {"gap_percent": "-1", "weight_percent": "50", "tp_percent": "1"},
]


# Every kind of row the API writes for a user, and the field that names the user.
OWNED: list[tuple[type[Model], str]] = [
    (AuditLog, "owner"),
    (ServiceLog, "user"),
    (ErrorLog, "user"),
    (Signal, "user"),
    (PositionGroup, "user"),
    (QueueEntry, "user"),
    (DCAConfig, "user"),
    (ExchangeConfig, "user"),
    (UserSession, "user"),
    (AnalysisRun, "user"),
    (LegacyImport, "user"),
]


@dataclass
class Estate:
    user: User
    account: ExchangeConfig
    dca_config: DCAConfig
    group: PositionGroup
    queue_entry: QueueEntry
    signal: Signal
    session: UserSession
    audit: AuditLog
    error: ErrorLog
    service_log: ServiceLog
    unknown_order: UnknownExchangeOrder
    analysis_run: AnalysisRun
    legacy_import: LegacyImport
    notification: Notification

    def rows(self) -> list[Model]:
        return [getattr(self, f.name) for f in fields(self)]

    def markers(self) -> set[str]:
        """Text that is the user's alone: one of them in another user's answer is a leak. The
        UUIDs of the rows (the rows with numbers for ids carry the user's UUID in their text)
        and the e-mail address."""
        return {str(row.pk) for row in self.rows() if len(str(row.pk)) == 36} | {self.user.email}

    def snapshot(self) -> list[Any]:
        """The rows as stored now and how many of each kind the user has (to prove that nobody
        else changed them or added to the user's log, signals or audit trail)."""
        fresh = [type(row).objects.filter(pk=row.pk).first() for row in self.rows()]
        counts = [model.objects.filter(**{owner: self.user}).count() for model, owner in OWNED]
        return [model_to_dict(row) if row is not None else {} for row in fresh] + counts


def estate_build(user: User, *, account: ExchangeConfig | None = None, symbol: str = "ETH/USDT") -> Estate:
    account = account or ExchangeConfigFactory(user=user)
    dca_config = DCAConfig.objects.create(
        user=user, account=account, exchange=account.exchange, symbol=symbol, timeframe="1h", levels=LEVELS
    )
    group = group_with_legs(user=user, account=account, symbol=symbol)
    signal = SignalFactory(user=user, account=account, symbol=symbol, position_group=group)
    queue_entry = QueueEntry.objects.create(
        user=user,
        account=account,
        signal=signal,
        exchange=account.exchange,
        symbol="LTC/USDT",
        timeframe="1h",
        entry_price=Decimal(100),
        rank=1,
    )
    session = session_start(user=user, request=None).session
    audit = record(action="security.test", actor=user, resource=group)
    error = ErrorLog.objects.create(
        user=user, error_type="ExchangeError", message=f"the exchange refused {user.pk}"
    )
    service_log = ServiceLog.objects.create(
        user=user, level=LogLevel.INFO, message=f"the service of {user.pk} ran"
    )
    unknown_order = UnknownExchangeOrderFactory(user=user, account=account)
    analysis_run = AnalysisRun.objects.create(user=user, day=date(2026, 11, 23), status="succeeded")
    legacy_import = LegacyImport.objects.create(user=user, created_by=user, files=["pending_orders.json"])
    notification = Notification.objects.create(
        user=user, type="leg_filled", level="info", title="Leg 2 filled"
    )
    return Estate(
        user,
        account,
        dca_config,
        group,
        queue_entry,
        signal,
        session,
        audit,
        error,
        service_log,
        unknown_order,
        analysis_run,
        legacy_import,
        notification,
    )


# Which of the estate's rows an id in a route names, by the route's beginning.
ROW_BY_PREFIX = {
    "/api/v1/audit/": "audit",
    "/api/v1/auth/sessions/": "session",
    "/api/v1/dca-configs/": "dca_config",
    "/api/v1/logs/errors/": "error",
    "/api/v1/positions/": "group",
    "/api/v1/queue/": "queue_entry",
    "/api/v1/risk/groups/": "group",
    "/api/v1/signals/": "signal",
    "/api/v1/equities/legacy-imports/": "legacy_import",
    "/api/v1/notifications/": "notification",
}


def path_values(route: str, estate: Estate, *, other: User) -> dict[str, str]:
    """The values of a route's path parameters that name the estate's own rows (`other` for the
    user administration, which may not act on oneself); `{id}` as the schema writes it or `{pk}`."""
    row = next(
        (getattr(estate, name) for prefix, name in ROW_BY_PREFIX.items() if route.startswith(prefix)), None
    )
    if route.startswith("/api/v1/users/"):
        row = other
    values = {
        "id": row.pk if row is not None else "",
        "pk": row.pk if row is not None else "",
        "user_id": estate.user.pk,
        "exchange": estate.account.exchange,
        "symbol": "BTCUSDT",
        "name": "moderate",
        "days_old": 3650,
        "run_id": estate.analysis_run.pk,
        "task": "analysis",
        "secret": "not-the-bots-secret",  # the Telegram webhook's: a wrong one answers 404
        "key": "queue_depth",  # an alert rule (admin/alerts/{key})
    }
    return {name: str(value) for name, value in values.items() if f"{{{name}}}" in route}
