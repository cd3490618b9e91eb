"""Every write route (POST, PUT, PATCH, DELETE) x viewer, trader, manager, admin: the role gets
what accounts/permissions.py and the admin guide's "Roles" table give it.

    viewer   reads its own trading, tries grids (preview), manages its own login; writes no
             trading state, and its webhook trades nothing
    trader   + trades: accounts, DCA configurations, positions, queue, risk, service, webhook
    manager  + reads every user (a trader's rights for writing)
    admin    + changes users, resolves errors, deletes old logs, steers the simulator

Each call is made on the caller's own rows with a body that would succeed, so an allowed role
gets the route's success answer and a refused one 403. `EXPECTED` is checked against the URL
conf: a new write route fails `test_the_table_covers_every_write_route` until it is placed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.test import Client

from accounts.models import Role, User
from accounts.reset_tokens import password_reset_token
from brokers.models import ExchangeConfig, TrackedSeries
from tests.factories import PASSWORD, UserFactory
from tests.security.estate import LEVELS, Estate, estate_build
from tests.security.routes import fill, write_operations
from tests.trading.factories import ExchangeConfigFactory
from tests.trading.signals.test_webhook_endpoint import alert
from trading.dca.models import DCAConfig
from trading.positions.models import DCAOrder, PositionGroup
from trading.queue.models import QueueEntry
from trading.runtime.models import ServiceStatus
from trading.service.services import service_stop
from trading.settings.services import trading_config_for
from trading.signals.models import Signal

pytestmark = pytest.mark.django_db
V1 = "/api/v1"
ROLES = (Role.VIEWER, Role.TRADER, Role.MANAGER, Role.ADMIN)
RANK = {role: rank for rank, role in enumerate(ROLES)}
PUBLIC = "public"  # authenticated by what the body carries (or nothing): any role, same answer
NEW_PASSWORD = "Another-Horse-43-Battery"

# (method, route): (the least role that may, the answers that mean it was done)
EXPECTED: dict[tuple[str, str], tuple[str, set[int]]] = {
    # The webhook checks the secret, then the role: a viewer's secret trades nothing (403).
    ("POST", f"{V1}/webhooks/{{user_id}}"): (Role.TRADER, {202}),
    ("POST", f"{V1}/webhooks/{{user_id}}/"): (Role.TRADER, {202}),
    ("POST", f"{V1}/auth/register"): (PUBLIC, {202}),  # the same 202 for a new or a taken address
    ("POST", f"{V1}/auth/login"): (PUBLIC, {200}),
    ("POST", f"{V1}/auth/refresh"): (PUBLIC, {200}),
    ("POST", f"{V1}/auth/forgot-password"): (PUBLIC, {202}),
    ("POST", f"{V1}/auth/reset-password"): (PUBLIC, {200}),
    ("POST", f"{V1}/auth/logout"): (Role.VIEWER, {204}),
    ("PATCH", f"{V1}/auth/me"): (Role.VIEWER, {200}),
    ("POST", f"{V1}/auth/change-password"): (Role.VIEWER, {200}),
    ("DELETE", f"{V1}/auth/sessions/{{pk}}"): (Role.VIEWER, {204}),
    ("PATCH", f"{V1}/users/{{pk}}"): (Role.ADMIN, {200}),
    ("POST", f"{V1}/logs/errors/{{pk}}/resolve"): (Role.ADMIN, {200}),
    ("POST", f"{V1}/logs/export"): (Role.VIEWER, {200}),  # a download of one's own log
    ("DELETE", f"{V1}/logs/system/{{days_old}}"): (Role.ADMIN, {200}),
    ("POST", f"{V1}/keys/{{exchange}}"): (Role.TRADER, {201}),
    ("DELETE", f"{V1}/keys/{{exchange}}"): (Role.TRADER, {204}),
    ("PUT", f"{V1}/keys/{{exchange}}/validate"): (Role.TRADER, {200}),
    ("PUT", f"{V1}/keys/{{exchange}}/mode"): (Role.TRADER, {200}),
    ("PUT", f"{V1}/simulator/prices/{{symbol}}"): (Role.ADMIN, {200}),
    ("POST", f"{V1}/dca-configs"): (Role.TRADER, {201}),
    ("POST", f"{V1}/dca-configs/preview"): (Role.VIEWER, {200}),  # computes, never writes
    ("PUT", f"{V1}/dca-configs/{{pk}}"): (Role.TRADER, {200}),
    ("PATCH", f"{V1}/dca-configs/{{pk}}"): (Role.TRADER, {200}),
    ("DELETE", f"{V1}/dca-configs/{{pk}}"): (Role.TRADER, {204}),
    ("POST", f"{V1}/webhook-secret/rotate"): (Role.TRADER, {200}),
    ("POST", f"{V1}/webhook-templates/test"): (Role.TRADER, {200}),
    ("POST", f"{V1}/positions/{{pk}}/close"): (Role.TRADER, {202}),
    ("PUT", f"{V1}/trading-config"): (Role.TRADER, {200}),
    ("PATCH", f"{V1}/trading-config"): (Role.TRADER, {200}),
    ("POST", f"{V1}/trading-config/reset"): (Role.TRADER, {200}),
    ("POST", f"{V1}/trading-config/presets/{{name}}/apply"): (Role.TRADER, {200}),
    ("POST", f"{V1}/queue/circuit-breaker/reset"): (Role.TRADER, {200}),
    ("DELETE", f"{V1}/queue/{{pk}}"): (Role.TRADER, {204}),
    # The entry is tried at once: opened (200), or refused by the pool or the engine (409).
    ("POST", f"{V1}/queue/{{pk}}/promote"): (Role.TRADER, {200, 409}),
    ("POST", f"{V1}/queue/{{pk}}/force-add"): (Role.TRADER, {200, 409}),
    ("POST", f"{V1}/risk/run"): (Role.TRADER, {200}),
    ("POST", f"{V1}/risk/groups/{{pk}}/skip-once"): (Role.TRADER, {200}),
    ("POST", f"{V1}/risk/groups/{{pk}}/block"): (Role.TRADER, {200}),
    ("DELETE", f"{V1}/risk/groups/{{pk}}/block"): (Role.TRADER, {200}),
    ("POST", f"{V1}/service/start"): (Role.TRADER, {200}),
    ("POST", f"{V1}/service/stop"): (Role.TRADER, {200}),
    # Market data is shared by every user: only admins write it.
    ("POST", f"{V1}/market-data/series"): (Role.ADMIN, {201}),
    ("POST", f"{V1}/market-data/series/{{pk}}/refresh"): (Role.ADMIN, {200}),
    ("POST", f"{V1}/market-data/upload"): (Role.ADMIN, {201}),
    ("PATCH", f"{V1}/equities/strategy"): (Role.TRADER, {200}),
    ("POST", f"{V1}/equities/tasks/{{task}}/run"): (Role.TRADER, {202}),
    ("POST", f"{V1}/equities/legacy-imports"): (Role.TRADER, {201}),
    ("POST", f"{V1}/equities/legacy-imports/{{pk}}/apply"): (Role.TRADER, {200}),
    ("POST", f"{V1}/equities/legacy-imports/{{pk}}/rollback"): (Role.TRADER, {200}),
    # ML training and the model registry are the admin's (docs/admin-guide/ml.md).
    ("POST", f"{V1}/ml/jobs"): (Role.ADMIN, {201}),
    ("POST", f"{V1}/ml/jobs/{{pk}}/cancel"): (Role.ADMIN, {200}),
    ("POST", f"{V1}/ml/models/{{pk}}/activate"): (Role.ADMIN, {200}),
    ("POST", f"{V1}/ml/models/rollback"): (Role.ADMIN, {200}),
    ("POST", f"{V1}/ml/sample-data"): (Role.ADMIN, {200}),
    # Notifications are everyone's own (docs/user-guide/notifications.md); the bot's webhook
    # carries its secret in the path.
    ("POST", f"{V1}/notifications/{{pk}}/read"): (Role.VIEWER, {200}),
    ("POST", f"{V1}/notifications/read-all"): (Role.VIEWER, {200}),
    ("POST", f"{V1}/notifications/test"): (Role.VIEWER, {202}),
    ("POST", f"{V1}/notifications/telegram/link"): (Role.VIEWER, {201, 409}),
    ("PUT", f"{V1}/notification-preferences"): (Role.VIEWER, {200}),
    ("POST", f"{V1}/notifications/telegram/webhook/{{secret}}"): (PUBLIC, {404}),
    ("POST", f"{V1}/ml/schedules"): (Role.ADMIN, {201}),
    ("PATCH", f"{V1}/ml/schedules/{{pk}}"): (Role.ADMIN, {200}),
    ("DELETE", f"{V1}/ml/schedules/{{pk}}"): (Role.ADMIN, {204}),
    # One's own data (docs/user-guide/data-export.md, delete-account.md): any role, own password.
    ("POST", f"{V1}/me/exports"): (Role.VIEWER, {202}),
    ("DELETE", f"{V1}/me"): (Role.VIEWER, {200}),
    # Backups are the admin's (docs/admin-guide/backups.md).
    ("POST", f"{V1}/admin/backups"): (Role.ADMIN, {202}),
    ("POST", f"{V1}/admin/backups/{{pk}}/verify"): (Role.ADMIN, {202}),
    ("PATCH", f"{V1}/admin/backups/schedule"): (Role.ADMIN, {200}),
    # Alert thresholds are the admin's (docs/admin-guide/performance.md).
    ("PATCH", f"{V1}/admin/alerts/{{key}}"): (Role.ADMIN, {200}),
}
UPLOAD = f"{V1}/market-data/upload"
LEGACY_UPLOAD = f"{V1}/equities/legacy-imports"
RECOMMENDED = Path(__file__).resolve().parents[2] / "docs/samples/legacy/system_recommended_symbols.json"


TRADING_ROWS = (ExchangeConfig, DCAConfig, PositionGroup, DCAOrder, QueueEntry, Signal)


@dataclass
class Caller:
    user: User
    estate: Estate
    client: Any
    other: User  # someone else, for the user administration
    spare: ExchangeConfig  # an account with nothing on it


def request_for(method: str, route: str, c: Caller) -> tuple[str, dict[str, Any]]:
    """The caller's own rows in the path, a body that would succeed."""
    e, user = c.estate, c.user
    path = fill(
        route,
        **{
            name: value
            for name, value in {
                "user_id": user.pk,
                "exchange": "simulator",
                "symbol": "BTCUSDT",
                "name": "conservative",
                "days_old": 30,
                "task": "analysis",
                "secret": "not-the-bots-secret",
                "key": "queue_depth",
                "pk": _pk(route, c),
            }.items()
            if f"{{{name}}}" in route
        },
    )
    if "/keys/simulator" in path and method != "POST":
        # Deleting takes an account without positions: removing one that holds positions is
        # test_hostile_headers_and_query.py's.
        path += f"?label={c.spare.label if method == 'DELETE' else e.account.label}"
    if route == f"{V1}/me" and user.role == Role.ADMIN:
        UserFactory(role=Role.ADMIN)  # the last admin may not delete themself
    if route == f"{V1}/service/start":
        service_stop(user=user)  # a new user's service runs: starting it again is a 409
    config = {"exchange": "simulator", "symbol": "ETH/USDT", "timeframe": "4h", "levels": LEVELS}
    bodies: dict[str, dict[str, Any]] = {
        "me": {"password": PASSWORD, "positions": "leave"},
        "me/exports": {"format": "json"},
        "admin/backups/schedule": {"time_of_day": "04:00"},
        "admin/alerts/{key}": {"threshold": "250", "enabled": True},
        "webhooks/{user_id}": alert(user),
        "webhooks/{user_id}/": alert(user),
        "auth/register": {"email": "new@example.com", "username": "newcomer", "password": NEW_PASSWORD},
        "auth/login": {"email": user.email, "password": PASSWORD},
        "auth/refresh": {"refresh": c.client.tokens.refresh},
        "auth/logout": {"refresh": c.client.tokens.refresh},
        "auth/forgot-password": {"email": user.email},
        "auth/reset-password": {"token": password_reset_token(user), "new_password": NEW_PASSWORD},
        "auth/me": {"username": f"{user.username}-renamed"},
        "auth/change-password": {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        "users/{pk}": {"role": Role.TRADER},
        "logs/errors/{pk}/resolve": {"notes": "fixed"},
        "logs/export": {"format": "csv"},
        "keys/{exchange}": {"mode": "testnet", "label": "second"},
        "keys/{exchange}/mode": {"mode": "testnet"},
        "simulator/prices/{symbol}": {"price": "100"},
        "dca-configs": config,
        "dca-configs/{pk}": config,
        "dca-configs/preview": {**config, "entry_price": "100", "capital": "1000"},
        "trading-config": {"max_open_groups": 3},
        "service/stop": {"close_all": False},
        "market-data/series": {"source": "simulator", "symbol": "ETH/USDT", "interval": "1d"},
        "equities/strategy": {"universe": ["RELIANCE", "TCS"]},
        "ml/jobs": {"model_type": "verdict_classifier", "data_source": "csv", "symbols": ["AAPL"]},
        "ml/models/rollback": {"model_type": "verdict_classifier"},
        "ml/schedules": {
            "name": "weekly",
            "model_type": "verdict_classifier",
            "data_source": "csv",
            "symbols": ["AAPL"],
        },
        "ml/schedules/{pk}": {"enabled": False},
        "notifications/test": {"channel": "in_app"},
        "notification-preferences": {"timezone": "Asia/Kolkata"},
    }
    if route == f"{V1}/trading-config" and method == "PUT":
        return path, c.client.get(path).json()["config"]
    return path, bodies.get(route.removeprefix(f"{V1}/"), {})


def _pk(route: str, c: Caller) -> object:
    e = c.estate
    if route.startswith(f"{V1}/ml/"):
        return _ml_rows(route)
    if route.startswith(f"{V1}/admin/backups/"):
        from ops.backups.models import Backup

        return Backup.objects.create(trigger="manual", status="succeeded", file_name="x.tar", progress=100).pk
    if route.startswith(f"{V1}/notifications/"):
        from notifications.models import Notification

        return Notification.objects.create(
            user=c.user, type="leg_filled", level="info", title="Leg filled"
        ).pk
    if route.startswith(f"{V1}/equities/legacy-imports/"):
        return _legacy_import(c.user, applied=route.endswith("/rollback")).pk
    if route.startswith(f"{V1}/market-data/series/"):
        return TrackedSeries.objects.get_or_create(source="simulator", symbol="BTC/USDT", interval="1d")[0].pk
    for prefix, row in (
        ("auth/sessions", e.session),
        ("users", c.other),
        ("logs/errors", e.error),
        ("dca-configs", e.dca_config),
        ("positions", e.group),
        ("queue", e.queue_entry),
        ("risk/groups", e.group),
    ):
        if route.startswith(f"{V1}/{prefix}/"):
            return row.pk
    return ""


def _ml_rows(route: str) -> object:
    """What the ML admin routes act on (shared, nobody's own): a candle to train on, a queued job,
    a schedule, or two models that were both active (the older one to activate or roll back to)."""
    from datetime import UTC, datetime

    from sklearn.dummy import DummyClassifier

    from brokers.marketdata.models import MarketCandle
    from mlops.models import RetrainingSchedule, TrainingJob
    from mlops.services.registry import model_activate, model_register

    price = {name: 100 for name in ("open", "high", "low", "close", "volume")}
    opened = datetime(2024, 1, 2, tzinfo=UTC)
    MarketCandle.objects.get_or_create(
        source="csv", symbol="AAPL", interval="1d", opened_at=opened, defaults=price
    )

    def job() -> TrainingJob:
        return TrainingJob.objects.create(
            model_type="verdict_classifier", data_source="csv", symbols=["AAPL"]
        )

    if route.startswith(f"{V1}/ml/schedules/"):
        return RetrainingSchedule.objects.create(
            name="nightly", model_type="verdict_classifier", data_source="csv", symbols=["AAPL"]
        ).pk
    if route.startswith(f"{V1}/ml/models/"):
        estimator = DummyClassifier().fit([[0.0]], [0])
        models = [
            model_register(job=job(), estimator=estimator, features=["x"], metrics={}, classes=["buy"])
            for _ in range(2)
        ]
        for model in models:
            model_activate(model=model, actor=None)
        return models[0].pk
    return job().pk if "{pk}" in route else ""


def _legacy_import(user: User, *, applied: bool) -> Any:
    """A dry run of the sample recommendations file (applied, for a rollback) of the caller's."""
    from trading.equities.legacy.services import legacy_import_apply, legacy_import_create

    batch = legacy_import_create(user=user, files={RECOMMENDED.name: RECOMMENDED.read_bytes()}, actor=user)
    return legacy_import_apply(batch=batch, actor=user) if applied else batch


def trading_state(user: User) -> list[Any]:
    """What a viewer must never change: their trading rows, configuration, service and secret."""
    user.refresh_from_db()
    return [
        *(list(model.objects.filter(user=user).values()) for model in TRADING_ROWS),
        model_to_dict(trading_config_for(user)),
        list(ServiceStatus.objects.filter(user=user).values()),
        user.webhook_secret_encrypted,
    ]


@pytest.fixture
def caller(request, make_engine, client_for, settings_throttles_off) -> Caller:
    user = UserFactory(role=request.param)
    engine = make_engine(user)  # a funded simulator account, so trading calls reach the exchange
    engine.config(symbol="BTC/USDT")
    estate = estate_build(user, account=engine.account, symbol="BTC/USDT")
    spare = ExchangeConfigFactory(user=user, label="spare")
    return Caller(user, estate, client_for(user), UserFactory(role=Role.VIEWER), spare)


def test_the_table_covers_every_write_route() -> None:
    assert set(EXPECTED) == set(write_operations()), (
        f"write routes without an expectation: {sorted(set(write_operations()) - set(EXPECTED))}; "
        f"expectations without a route: {sorted(set(EXPECTED) - set(write_operations()))}"
    )


@pytest.mark.parametrize("caller", ROLES, indirect=True, ids=str)
@pytest.mark.parametrize(("method", "route"), sorted(EXPECTED), ids=str)
def test_each_role_gets_what_its_role_allows(method, route, caller) -> None:
    least, done = EXPECTED[(method, route)]
    allowed = least == PUBLIC or RANK[caller.user.role] >= RANK[least]
    path, body = request_for(method, route, caller)
    before = trading_state(caller.user)
    client = caller.client
    if "/webhooks/" in route:
        client = Client()  # TradingView sends no token; the secret in the body is the login
    if route == UPLOAD:  # a file: multipart, as the web app and curl send it
        csv = SimpleUploadedFile("aapl.csv", b"date,open,high,low,close,volume\n2024-01-02,1,2,0.5,1.5,10\n")
        response = client.post(path, {"file": csv, "symbol": "AAPL", "interval": "1d"}, format="multipart")
    elif route == LEGACY_UPLOAD:  # the old service's files: multipart, as the import page sends them
        upload = SimpleUploadedFile(
            RECOMMENDED.name, RECOMMENDED.read_bytes(), content_type="application/json"
        )
        response = client.post(path, {"files": [upload]}, format="multipart")
    else:
        response = client.generic(method, path, data=json.dumps(body), content_type="application/json")

    if allowed:
        assert response.status_code in done, response.content[:400]
    else:
        assert response.status_code == 403, response.content[:400]
    # Deleting one's account stops one's own trading, whatever the role (accounts/deletion).
    if not allowed or (caller.user.role == Role.VIEWER and route != f"{V1}/me"):
        assert trading_state(caller.user) == before, "the call changed trading state it may not"


def test_a_trader_demoted_to_viewer_trades_no_more_by_webhook(
    make_engine, client_for, admin_user, settings_throttles_off
) -> None:
    from django.test import Client

    trader = UserFactory(role=Role.TRADER)
    make_engine(trader).config(symbol="BTC/USDT")
    url = f"{V1}/webhooks/{trader.pk}"

    def post(secret: str) -> int:
        body = json.dumps(alert(trader, secret=secret))
        return Client().post(url, data=body, content_type="text/plain").status_code

    pasted = str(trader.webhook_secret)  # what TradingView keeps sending
    assert post(pasted) == 202
    demoted = client_for(admin_user).patch(f"{V1}/users/{trader.pk}", {"role": Role.VIEWER}, format="json")
    assert demoted.status_code == 200, demoted.content

    trader.refresh_from_db()
    assert post(pasted) in (401, 403)
    assert post(str(trader.webhook_secret)) == 403
    assert Signal.objects.filter(user=trader).count() == 1
