"""The app packages' own loggers (`logging.getLogger(__name__)` in brokers, accounts, trading,
notifications, config) feed the service log as the `tradefleet` loggers do, through the handler
LOGGING configures: with the user and a category from the logger's name, redacted, without loops."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from auditlog import log_handler
from auditlog.log_handler import ServiceLogHandler, user_log_file
from auditlog.models_logs import ServiceLog
from config.logging import CONSOLE_ONLY_LOGGERS, SERVICE_LOG_LOGGERS

pytestmark = pytest.mark.django_db
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(log_handler, "var_dir", lambda: tmp_path)
    return tmp_path


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, str, dict]]:
    sent: list[tuple[Any, str, dict]] = []
    monkeypatch.setattr("notifications.events.publish", lambda *args: sent.append(args))
    return sent


def test_a_warning_from_brokers_services_with_a_user_lands_in_their_service_log(trader, log_dir, events):
    logging.getLogger("brokers.services").warning(
        "exchange account %s failed validation", "acc-1", extra={"user_id": trader.pk}
    )
    row = ServiceLog.objects.get(user=trader)
    assert (row.level, row.category, row.module) == ("WARNING", "TRADING", "brokers.services")
    assert row.message == "exchange account acc-1 failed validation"
    assert "failed validation" in user_log_file(trader.pk, datetime.now(UTC)).read_text()
    assert [(user_id, kind) for user_id, kind, _ in events] == [(trader.pk, "log.created")]


@pytest.mark.parametrize(
    ("logger", "category"),
    [
        ("accounts.tasks", "SECURITY"),
        ("brokers.ratelimit", "TRADING"),
        ("trading.signals.services", "TRADING"),
        ("trading.positions.admin", "TRADING"),
        ("config.api.errors", "API"),
        ("config.health", "SYSTEM"),
        ("notifications.events", "SYSTEM"),
    ],
)
def test_each_app_packages_logger_feeds_the_service_log_with_its_category(
    trader, log_dir, events, logger, category
):
    logging.getLogger(logger).error("something happened", extra={"user_id": str(trader.pk)})
    row = ServiceLog.objects.get()
    assert (row.module, row.category, row.user_id) == (logger, category, trader.pk)


def test_a_secret_handed_to_an_app_logger_appears_in_neither_the_database_nor_the_files(
    trader, log_dir, events
):
    logger = logging.getLogger("brokers.services")
    logger.warning(
        "connect with api_secret=s3cr3t-value password=hunter2 and Bearer %s",
        JWT,
        extra={"user_id": trader.pk, "passphrase": "pp-42", "note": "token=tok-abc-123"},
    )
    try:
        raise RuntimeError("login failed with password=hunter2")
    except RuntimeError:
        logging.getLogger("accounts.tasks").exception("reset mail failed", extra={"user_id": trader.pk})

    rows = list(ServiceLog.objects.filter(user=trader).values("message", "context"))
    assert len(rows) == 2
    stored = json.dumps(rows, default=str) + "".join(p.read_text() for p in log_dir.rglob("*.log"))
    for secret in ("s3cr3t-value", "hunter2", JWT, "pp-42", "tok-abc-123"):
        assert secret not in stored
    assert "[redacted]" in rows[0]["message"] + rows[1]["message"]


def test_a_failing_live_event_logged_by_notifications_does_not_loop(trader, log_dir, monkeypatch):
    def broken_publish(*args: Any) -> None:
        logging.getLogger("notifications.events").error("could not deliver log.created")
        raise RuntimeError("channel layer down")

    monkeypatch.setattr("notifications.events.publish", broken_publish)
    logging.getLogger("brokers.markets").warning("reloading markets failed", extra={"user_id": trader.pk})
    assert list(ServiceLog.objects.values_list("module", flat=True)) == ["brokers.markets"]


def test_the_database_layer_and_the_handler_itself_never_reach_the_service_log(log_dir, events):
    logging.getLogger("django.db.backends").error("sql")
    logging.getLogger("auditlog.log_handler").error("about myself")
    assert not ServiceLog.objects.exists()


def test_the_exchange_simulators_own_lines_stay_on_the_console(log_dir, events):
    logging.getLogger("brokers.simulator.app").error("simulator error on /api/v3/order")
    assert not ServiceLog.objects.exists()
    assert logging.getLogger("brokers.simulator").propagate is False


def test_every_app_package_and_only_one_handler_feeds_the_service_log():
    local_apps = [
        app for app in django_settings.INSTALLED_APPS if (Path(django_settings.BASE_DIR) / app).is_dir()
    ]
    assert set(local_apps) | {"config"} <= set(SERVICE_LOG_LOGGERS)
    handlers = {
        id(handler)
        for name in SERVICE_LOG_LOGGERS
        for handler in logging.getLogger(name).handlers
        if isinstance(handler, ServiceLogHandler)
    }
    assert len(handlers) == 1  # one queue and one writer thread per process
    for name in CONSOLE_ONLY_LOGGERS:
        assert not [h for h in logging.getLogger(name).handlers if isinstance(h, ServiceLogHandler)]
