"""Service logs: the handler (redaction, no recursion, never blocking), files, API, export."""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.urls import include, path
from django.utils import timezone

from auditlog import log_handler, tasks_logs
from auditlog.log_handler import ServiceLogHandler, user_log_file
from auditlog.models import AuditLog
from auditlog.models_logs import LogCategory, LogLevel, ServiceLog
from auditlog.services_logs import EXPORT_MAX_ROWS, logs_retention

# The logs API on its own URLconf, so these tests do not depend on where it is included.
urlpatterns = [path("api/v1/", include("auditlog.api.urls_logs"))]
pytestmark = pytest.mark.urls(__name__)

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
LOGGER = "logs_under_test"
SECRETS = ("hunter2", "s3cr3t-value", JWT, "tok-abc-123")


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(log_handler, "var_dir", lambda: tmp_path)
    return tmp_path


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, str, dict]]:
    sent: list[tuple[Any, str, dict]] = []
    monkeypatch.setattr("notifications.events.publish", lambda *args: sent.append(args))
    return sent


@pytest.fixture
def service_logger(settings: Any, log_dir: Path, events: list) -> Iterator[logging.Logger]:
    """A logger with only this handler (not under `tradefleet`, which settings may wire to another
    one), writing synchronously."""
    settings.SERVICE_LOG_SYNC = True
    handler = ServiceLogHandler()
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger
    logger.propagate = True
    logger.removeHandler(handler)
    handler.close()


def _files_text(root: Path) -> str:
    return "".join(p.read_text() for p in root.rglob("*.log"))


@pytest.mark.django_db
def test_handler_stores_rows_with_user_and_category_from_extras(service_logger, trader, log_dir, events):
    service_logger.warning("order %s rejected", "o-1", extra={"user_id": trader.id, "category": "trading"})
    service_logger.info("heartbeat")

    mine = ServiceLog.objects.get(user=trader)
    assert (mine.level, mine.category, mine.module) == ("WARNING", "TRADING", LOGGER)
    assert mine.message == "order o-1 rejected"
    system = ServiceLog.objects.get(user=None)
    assert system.category == "SYSTEM"
    today = user_log_file(trader.id, datetime.now(UTC))
    assert "order o-1 rejected" in today.read_text()
    assert [(user_id, kind) for user_id, kind, _ in events] == [(mine.user_id, "log.created")]


@pytest.mark.django_db
def test_a_secret_handed_to_a_logger_appears_in_neither_the_database_nor_the_files(
    service_logger, trader, log_dir
):
    service_logger.error(
        "login with password=hunter2 api_secret=s3cr3t-value and Authorization: Bearer %s, raw %s",
        JWT,
        JWT,
        extra={"user_id": str(trader.id), "api_secret": "s3cr3t-value", "note": "token=tok-abc-123"},
    )
    try:
        raise RuntimeError("connect failed with password=hunter2")
    except RuntimeError:
        service_logger.exception("broker down", extra={"user_id": trader.id, "payload": {"token": JWT}})

    rows = list(ServiceLog.objects.filter(user=trader).values("message", "context"))
    assert len(rows) == 2
    stored = json.dumps(rows) + _files_text(log_dir)
    for secret in SECRETS:
        assert secret not in stored
    assert "[redacted]" in rows[0]["message"] or "[redacted]" in rows[1]["message"]


@pytest.mark.django_db
def test_the_handler_does_not_recurse_when_the_db_write_itself_logs(service_logger, monkeypatch):
    original = ServiceLog.objects.bulk_create

    def noisy_bulk_create(rows: list[ServiceLog], **kwargs: Any) -> list[ServiceLog]:
        logging.getLogger(f"{LOGGER}.inner").error("written %d", len(rows))
        logging.getLogger("django.db.backends").error("sql")
        return original(rows, **kwargs)

    monkeypatch.setattr(ServiceLog.objects, "bulk_create", noisy_bulk_create)
    service_logger.info("once")
    assert list(ServiceLog.objects.values_list("message", flat=True)) == ["once"]


@pytest.mark.django_db
def test_records_from_the_database_layer_are_ignored(settings, log_dir, events):
    settings.SERVICE_LOG_SYNC = True
    handler = ServiceLogHandler()
    handler.handle(logging.LogRecord("django.db.backends", logging.ERROR, __file__, 1, "sql", None, None))
    assert ServiceLog.objects.count() == 0


def test_a_full_queue_drops_instead_of_blocking(settings):
    settings.SERVICE_LOG_SYNC = False
    # No writer thread: the queue fills after two records and every further one is dropped.
    handler = ServiceLogHandler(queue_size=2, autostart=False)
    logger = logging.getLogger(f"{LOGGER}.full")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        started = time.perf_counter()
        for i in range(1000):
            logger.warning("line %d", i)
        elapsed = time.perf_counter() - started
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    assert handler.dropped == 998
    assert elapsed < 0.5  # about 10 µs a record; a blocked put would never return


@pytest.mark.django_db(transaction=True)
def test_the_background_writer_stores_batches_without_the_caller_waiting(settings, trader, log_dir, events):
    settings.SERVICE_LOG_SYNC = False
    handler = ServiceLogHandler(batch_size=10)
    logger = logging.getLogger(f"{LOGGER}.async")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for i in range(25):
            logger.info("line %d", i, extra={"user_id": trader.id})
        assert handler.flush(timeout=10)
    finally:
        logger.propagate = True
        logger.removeHandler(handler)
        handler.close()
    assert ServiceLog.objects.filter(user=trader).count() == 25
    assert len(events) == 25


@pytest.mark.django_db
def test_users_list_their_own_logs_and_admins_everyones_with_filters(
    service_logger, client_for, trader, other_trader, admin_user
):
    service_logger.info("mine: order filled", extra={"user_id": trader.id, "category": "TRADING"})
    service_logger.error("mine: risk stop", extra={"user_id": trader.id, "category": "RISK"})
    service_logger.info("theirs", extra={"user_id": other_trader.id})
    service_logger.info("system")

    mine = client_for(trader).get("/api/v1/logs").json()
    assert {e["message"] for e in mine["results"]} == {"mine: order filled", "mine: risk stop"}
    api = client_for(trader)
    assert [e["message"] for e in api.get("/api/v1/logs", {"level": "ERROR"}).json()["results"]] == [
        "mine: risk stop"
    ]
    assert api.get("/api/v1/logs", {"category": "TRADING"}).json()["count"] == 1
    assert api.get("/api/v1/logs", {"search": "FILLED"}).json()["count"] == 1
    assert api.get("/api/v1/logs", {"timestamp_after": "2999-01-01T00:00:00Z"}).json()["count"] == 0
    assert api.get("/api/v1/logs", {"user_id": str(other_trader.id)}).json()["count"] == 0
    assert api.get("/api/v1/logs", {"level": "LOUD"}).status_code == 400

    admin = client_for(admin_user)
    assert admin.get("/api/v1/logs").json()["count"] == 4
    assert admin.get("/api/v1/logs", {"user_id": str(other_trader.id)}).json()["count"] == 1


@pytest.mark.django_db
def test_export_as_csv_and_json_holds_the_filtered_own_logs(service_logger, client_for, trader, other_trader):
    service_logger.info("=cmd|' /C calc'!A0", extra={"user_id": trader.id, "category": "API"})
    service_logger.warning("fill late", extra={"user_id": trader.id, "category": "TRADING", "order": "o-9"})
    service_logger.info("theirs", extra={"user_id": other_trader.id})
    api = client_for(trader)

    response = api.post("/api/v1/logs/export", {"format": "csv"}, format="json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted(r["message"] for r in rows) == ["'=cmd|' /C calc'!A0", "fill late"]

    response = api.post(
        "/api/v1/logs/export", {"format": "json", "filters": {"category": "TRADING"}}, format="json"
    )
    data = json.loads(response.content)
    assert [(r["message"], r["context"]) for r in data] == [("fill late", {"order": "o-9"})]
    assert response["X-Export-Truncated"] == "false"
    assert response["X-Export-Max-Rows"] == str(EXPORT_MAX_ROWS)

    assert api.post("/api/v1/logs/export", {"format": "xml"}, format="json").status_code == 400
    bad_filter = {"format": "csv", "filters": {"level": "LOUD"}}
    assert api.post("/api/v1/logs/export", bad_filter, format="json").status_code == 400
    for odd in ({"search": {"nested": 1}}, {"search": "a\x00b"}, {"user_id": "not-a-uuid"}):
        body = {"format": "json", "filters": odd}
        assert api.post("/api/v1/logs/export", body, format="json").status_code == 400


@pytest.mark.django_db
def test_admins_delete_logs_older_than_n_days_and_traders_may_not(client_for, trader, admin_user):
    now = timezone.now()
    old = ServiceLog.objects.create(
        user=trader, level="INFO", message="old", timestamp=now - timedelta(days=10)
    )
    new = ServiceLog.objects.create(user=None, level="INFO", message="new", timestamp=now - timedelta(days=2))

    assert client_for(trader).delete("/api/v1/logs/system/5").status_code == 403
    response = client_for(admin_user).delete("/api/v1/logs/system/5")
    assert response.status_code == 200
    assert response.json() == {"deleted": 1}
    assert list(ServiceLog.objects.values_list("id", flat=True)) == [new.id]
    assert not ServiceLog.objects.filter(id=old.id).exists()
    assert AuditLog.objects.filter(action="logs.delete", actor=admin_user).exists()
    assert client_for(admin_user).delete("/api/v1/logs/system/0").status_code == 400
    assert client_for(admin_user).delete("/api/v1/logs/system/99999999999999999999").status_code == 400


@pytest.mark.django_db
def test_retention_drops_service_logs_after_30_days_and_audit_after_90_and_old_files(trader, log_dir):
    now = timezone.now()
    ServiceLog.objects.create(user=trader, level="INFO", message="stale", timestamp=now - timedelta(days=31))
    ServiceLog.objects.create(user=trader, level="INFO", message="fresh", timestamp=now - timedelta(days=29))
    AuditLog.objects.create(action="old", created_at=now - timedelta(days=91))
    AuditLog.objects.create(action="recent", created_at=now - timedelta(days=89))
    stale_file = user_log_file(trader.id, datetime.now(UTC) - timedelta(days=31))
    fresh_file = user_log_file(trader.id, datetime.now(UTC) - timedelta(days=1))
    for file in (stale_file, fresh_file):
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text("x\n")

    counts = logs_retention()

    assert list(ServiceLog.objects.values_list("message", flat=True)) == ["fresh"]
    assert list(AuditLog.objects.values_list("action", flat=True)) == ["recent"]
    assert not stale_file.exists() and fresh_file.exists()
    assert counts["service_logs"] == 1 and counts["audit_logs"] == 1 and counts["files"] == 1


def test_the_handlers_levels_and_categories_match_the_models_choices():
    # The handler cannot import the models (LOGGING is configured before the app registry).
    assert set(log_handler.LEVELS) == set(LogLevel.values)
    assert set(log_handler.CATEGORIES) == set(LogCategory.values)


def test_the_handler_module_imports_no_model():
    source = Path(log_handler.__file__).read_text()
    top_level_imports = [line for line in source.splitlines() if line.startswith(("from ", "import "))]
    assert not [line for line in top_level_imports if "models" in line]


def test_a_forked_child_gets_an_empty_queue_and_starts_its_own_writer(settings):
    settings.SERVICE_LOG_SYNC = False
    handler = ServiceLogHandler(queue_size=1, autostart=False)
    handler.handle(logging.LogRecord(LOGGER, logging.INFO, __file__, 1, "before fork", None, None))
    assert handler._queue.full()
    log_handler._after_fork_in_child()  # what os.register_at_fork runs in a prefork worker
    assert handler._queue.empty() and handler._thread is None


@pytest.mark.django_db
def test_the_daily_retention_task_runs(trader):
    ServiceLog.objects.create(
        user=trader, level="INFO", message="stale", timestamp=timezone.now() - timedelta(days=45)
    )
    assert tasks_logs.logs_retention.apply().status == "SUCCESS"
    assert not ServiceLog.objects.exists()


@pytest.mark.django_db
def test_a_line_marked_for_operators_stays_out_of_the_users_log(service_logger, trader, log_dir, events):
    service_logger.info("task done: place_order", extra={"user_id": trader.id, "service_log": False})
    service_logger.warning("order rejected", extra={"user_id": trader.id})

    stored = ServiceLog.objects.filter(user=trader).values_list("message", flat=True)
    assert list(stored) == ["order rejected"]
    assert "task done" not in _files_text(log_dir)
    assert ServiceLog.objects.get(user=trader).context.get("service_log") is None


@pytest.mark.django_db
def test_a_successful_task_leaves_no_row_in_its_users_service_log(settings, trader, log_dir) -> None:
    from config.celery import app
    from tests.embedded.worker_tasks import rename_user

    settings.SERVICE_LOG_SYNC = True
    tasks_logger = logging.getLogger("tradefleet.tasks")
    level = tasks_logger.level
    tasks_logger.setLevel(logging.INFO)  # tests run at WARNING; the line is INFO
    app.conf.task_always_eager = True
    try:
        rename_user.delay(user_id=str(trader.pk), username="renamed-by-task")
    finally:
        app.conf.task_always_eager = False
        tasks_logger.setLevel(level)

    trader.refresh_from_db()
    assert trader.username == "renamed-by-task"
    assert not ServiceLog.objects.filter(user=trader, message__startswith="task done").exists()
