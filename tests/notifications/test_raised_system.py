"""The service, system and admin notifications, raised by the real paths that record each event:
the service's start and stop (API and Django admin), a scheduled task that fails (the service's
and the NSE strategy's), keys an exchange refuses at validation, an exchange that rate limits an
account for long, the NSE strategy's late market data, an ML job's end, an error-log spike and a
login lockout. Each lands on the right user (or on the admins) with its words, level and link, and
once where it would otherwise repeat."""

# The fixtures imported from other test packages below are the tests' parameters here.
# ruff: noqa: F811

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client

from auditlog.tasks_logs import error_spike_check
from brokers.models import ExchangeConfig
from brokers.services import exchange_config_create
from notifications.models import Notification

# Fixtures of the engine (an exchange simulator over HTTP), the NSE strategy (the Kotak
# simulator and a frozen clock) and ML training (real daily history), used here as they are there.
from tests.mlops.conftest import daily_history  # noqa: F401
from tests.trading.conftest import engine_simulator, make_engine  # noqa: F401
from tests.trading.equities.conftest import RULES, Nse, ist, nse  # noqa: F401
from trading.runtime.models import ServiceTaskExecution, TaskOutcome
from trading.runtime.services import service_status_for
from trading.service.schedules import scheduled_task_run

pytestmark = pytest.mark.django_db
SERVICE = "/api/v1/service"
KEYS = "/api/v1/keys/simulator"


def told(user: Any, type: str) -> list[Notification]:
    return list(Notification.objects.filter(user=user, type=type).order_by("created_at"))


def only(user: Any, type: str) -> Notification:
    rows = told(user, type)
    assert len(rows) == 1, [(n.title, n.message) for n in rows]
    return rows[0]


# --- service_started, service_stopped -------------------------------------------------------------


def test_a_trader_who_stops_and_starts_their_service_is_told_by_whom_and_what_goes_on(
    api, trader, other_trader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"{SERVICE}/stop", {"close_all": False}, format="json").status_code == 200
    stopped = only(trader, "service_stopped")
    assert (stopped.level, stopped.link, stopped.title) == ("warning", "/service", "Trading service stopped")
    assert stopped.message.startswith("Trading service stopped by you: no new entries")
    assert "open positions keep their take-profits" in stopped.message
    assert stopped.data["by"] == "user" and stopped.data["close_all"] is False

    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"{SERVICE}/stop", {"close_all": True}, format="json").status_code == 409
        assert api.post(f"{SERVICE}/start").status_code == 200
    assert len(told(trader, "service_stopped")) == 1  # a refused stop tells nothing
    started = only(trader, "service_started")
    assert (started.level, started.link) == ("info", "/service")
    assert started.message.startswith("Trading service started by you")
    assert not Notification.objects.filter(user=other_trader).exists()


def test_a_stop_with_close_all_says_what_it_closes(api, trader):
    api.post(f"{SERVICE}/stop", {"close_all": True}, format="json")
    stopped = only(trader, "service_stopped")
    assert "0 open position(s) closing at market and 0 queued signal(s) cancelled" in stopped.message
    assert stopped.data["close_all"] is True


def test_an_admin_who_stops_a_traders_service_is_named_as_an_administrator(admin_user, password, trader):
    browser = Client()
    assert browser.login(username=admin_user.email, password=password)
    status = service_status_for(trader.pk)
    browser.post(
        "/admin/trading/servicestatus/", {"action": "stop_services", "_selected_action": [status.pk]}
    )
    stopped = only(trader, "service_stopped")
    assert stopped.message.startswith("Trading service stopped by an administrator")
    assert stopped.data["by"] == "admin"
    assert not told(admin_user, "service_stopped")  # the owner is told, not the admin


def test_a_stop_by_the_system_says_why(trader):
    from trading.service.services import service_stop

    service_stop(user=trader, reason="the account was deactivated")
    stopped = only(trader, "service_stopped")
    assert stopped.message.startswith("Trading service stopped by the system (the account was deactivated)")


# --- task_failed ----------------------------------------------------------------------------------


def test_a_failing_scheduled_task_tells_its_trader_once_an_hour_with_the_error(trader, other_trader):
    # A beat row left from a task since removed from the registry: its runs fail.
    assert scheduled_task_run(user_id=str(trader.pk), task="old_task") == TaskOutcome.FAILED
    failed = only(trader, "task_failed")
    execution = ServiceTaskExecution.objects.get(user=trader, status=TaskOutcome.FAILED)
    assert (failed.level, failed.link, failed.title) == (
        "error",
        "/service",
        "Scheduled task failed: old_task",
    )
    assert failed.message == "LookupError: 'old_task' is not a task you can schedule."
    assert failed.data == {"task": "old_task", "execution_id": str(execution.pk)}

    assert scheduled_task_run(user_id=str(trader.pk), task="old_task") == TaskOutcome.FAILED
    assert ServiceTaskExecution.objects.filter(user=trader, status=TaskOutcome.FAILED).count() == 2
    assert len(told(trader, "task_failed")) == 1  # the history has both; the trader is told once
    assert not Notification.objects.filter(user=other_trader).exists()


def test_a_skipped_run_is_not_a_failure(trader):
    from trading.service.services import service_stop

    service_stop(user=trader)
    assert scheduled_task_run(user_id=str(trader.pk), task="reconcile") == TaskOutcome.SKIPPED
    assert not told(trader, "task_failed")


def _nse_on(nse: Nse) -> None:
    from trading.equities.services.config import strategy_update

    strategy_update(
        user=nse.user,
        data={"enabled": True, "account": str(nse.account.pk), "universe": ["RELIANCE"], "params": RULES},
    )


@pytest.mark.django_db(transaction=True)
def test_a_failing_nse_strategy_task_names_the_task(nse: Nse) -> None:
    _nse_on(nse)
    nse.server.app.faults.configure(error_rate=1.0, error_statuses=[503])  # the broker is down
    assert nse.run("end_of_day", ist(2026, 11, 23, 18, 0)) == TaskOutcome.FAILED
    failed = only(nse.user, "task_failed")
    assert failed.title == "Scheduled task failed: NSE strategy, End of day"
    assert failed.data["task"] == "nse.end_of_day" and failed.link == "/service"
    assert failed.message.startswith("ExchangeUnavailable: ")
    assert not told(nse.user, "key_invalid")


# --- key_invalid ----------------------------------------------------------------------------------


def _account(user: Any, key: str, secret: str, label: str = "main") -> ExchangeConfig:
    return exchange_config_create(
        user=user, exchange="simulator", mode="testnet", api_key=key, api_secret=secret, label=label
    )


def test_keys_the_exchange_refuses_are_told_once_while_they_stay_refused(
    make_engine,
    client_for,
    trader,
    other_trader,
    django_capture_on_commit_callbacks,
):
    make_engine(other_trader)  # a working account of someone else's
    _account(trader, "no-such-key-0001", "no-such-secret-0001")
    client = client_for(trader)
    with django_capture_on_commit_callbacks(execute=True):
        body = client.put(f"{KEYS}/validate").json()
    assert body["is_validated"] is False
    refused = only(trader, "key_invalid")
    assert (refused.level, refused.link, refused.title) == (
        "error",
        "/accounts",
        "Keys refused: simulator (main)",
    )
    assert refused.message.startswith("simulator (main) refused this account's keys at validation: ")
    assert "no-such-secret" not in refused.message and "no-such-secret" not in str(refused.data)
    assert refused.data["account_id"] == str(ExchangeConfig.objects.get(user=trader).pk)

    with django_capture_on_commit_callbacks(execute=True):
        client.put(f"{KEYS}/validate")  # as the periodic validation does every 5 minutes
    assert len(told(trader, "key_invalid")) == 1
    assert not Notification.objects.filter(user=other_trader, type="key_invalid").exists()


def test_a_key_without_trading_permission_failed_validation(
    make_engine, engine_simulator, client_for, trader
):
    make_engine(trader)  # the simulator's settings; a working "main" account
    engine_simulator.control.create_account(
        "read-only-key-01", "read-only-secret-01", {"USDT": "100"}, can_trade=False
    )
    _account(trader, "read-only-key-01", "read-only-secret-01", label="reader")
    client_for(trader).put(f"{KEYS}/validate?label=reader")
    refused = only(trader, "key_invalid")
    assert "no trading permission" in refused.message and refused.title == "Keys refused: simulator (reader)"


def test_an_exchange_that_cannot_be_reached_is_not_a_refused_key(make_engine, client_for, trader, settings):
    make_engine(trader)
    settings.SIMULATOR_URL = "http://127.0.0.1:9"  # nothing listens: connection refused
    body = client_for(trader).put(f"{KEYS}/validate").json()
    assert body["is_validated"] is False and body["last_error"]
    assert not told(trader, "key_invalid")


# --- rate_limited ---------------------------------------------------------------------------------


def test_an_exchange_ban_tells_the_account_owner_once_per_window(
    make_engine,
    engine_simulator,
    client_for,
    trader,
    other_trader,
    django_capture_on_commit_callbacks,
):
    make_engine(trader)
    # One request a minute; the first one over it gets the client banned for two minutes (418).
    engine_simulator.control.set_faults(rate_limit_per_minute=1, ban_after=0, ban_seconds=120)
    client = client_for(trader)
    for _ in range(3):  # the ban's answer, then requests our limiter refuses while it lasts
        with django_capture_on_commit_callbacks(execute=True):
            client.put(f"{KEYS}/validate")
    limited = only(trader, "rate_limited")
    assert (limited.level, limited.link, limited.title) == (
        "warning",
        "/accounts",
        "Rate limited: simulator (main)",
    )
    assert limited.message.startswith("simulator (main) is rate limiting you: its requests were held back")
    assert "in one go" in limited.message and limited.data["held_seconds"] >= 30
    assert not told(trader, "key_invalid")  # a rate limit says nothing about the key
    assert not Notification.objects.filter(user=other_trader).exists()


def test_repeated_short_rate_limit_answers_count_as_long(
    make_engine,
    engine_simulator,
    client_for,
    trader,
    settings,
    django_capture_on_commit_callbacks,
):
    make_engine(trader)
    settings.NOTIFY_RATE_LIMITED_SECONDS = 60
    # Every balance request answered 429 with Retry-After 1: short back-offs, again and again.
    engine_simulator.control.set_faults(rate_limit_rate=1.0, match=["GET /api/v3/account"], count=3)
    client = client_for(trader)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.put(f"{KEYS}/validate")
    assert not told(trader, "rate_limited")  # two answers: not yet
    with django_capture_on_commit_callbacks(execute=True):
        client.put(f"{KEYS}/validate")
    limited = only(trader, "rate_limited")
    assert "answered 'too many requests' 3 times within 60 s" in limited.message
    assert limited.data["answers"] == 3


def test_a_broker_that_answers_429_without_our_limiter_counts_for_the_account(
    trader, django_capture_on_commit_callbacks
):
    # Kotak Neo's transport answers 429 as RateLimited itself (no fleet-wide limiter in front of
    # it; the Kotak simulator has no 429s to drive): each one leaving the account's work counts.
    from brokers.errors import RateLimited
    from brokers.ratelimit import working_for

    account = exchange_config_create(user=trader, exchange="paper", mode="testnet", label="nse")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            with pytest.raises(RateLimited), working_for(account):
                raise RateLimited("Kotak Neo asked us to slow down", exchange="kotak", retry_after=2.0)
        for _ in range(3):  # our own limiter's refusals are not the broker's answers
            with pytest.raises(RateLimited), working_for(account):
                raise RateLimited("kotak: budget exhausted", exchange="kotak", retry_after=2.0, limiter=True)
    assert not told(trader, "rate_limited")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RateLimited), working_for(account):
            raise RateLimited("Kotak Neo asked us to slow down", exchange="kotak", retry_after=2.0)
    limited = only(trader, "rate_limited")
    assert limited.title == "Rate limited: paper (nse)"
    assert "answered 'too many requests' 3 times within 30 s" in limited.message


# --- market_data_late -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_analysis_without_a_stocks_candles_tells_the_trader_once_a_day(nse: Nse) -> None:
    from trading.equities.services.config import strategy_update

    strategy_update(
        user=nse.user,
        data={
            "enabled": True,
            "account": str(nse.account.pk),
            "universe": ["RELIANCE", "NOSUCHCO"],
            "params": RULES,
        },
    )
    assert nse.run("analysis", ist(2026, 11, 23, 16, 0)) == TaskOutcome.SUCCESS
    late = only(nse.user, "market_data_late")
    assert (late.level, late.link) == ("warning", "/strategy/scanner")
    assert late.title == "NSE market data late: daily candles"
    assert late.message.startswith(
        "NSE market data late: the daily candles of 1 stock(s) for the 2026-11-23 close are missing"
    )
    assert "so the analysis went without them: NOSUCHCO (" in late.message
    assert late.data == {
        "cause": "daily_bars",
        "day": "2026-11-23",
        "close": "2026-11-23",
        "symbols": ["NOSUCHCO"],
    }

    assert nse.run("analysis", ist(2026, 11, 23, 16, 30)) == TaskOutcome.SUCCESS  # a rerun, same day
    assert len(told(nse.user, "market_data_late")) == 1


# --- ml_job_finished, ml_job_failed ---------------------------------------------------------------


def _train(client: Any, **overrides: Any) -> Any:
    body = {
        "model_type": "verdict_classifier",
        "algorithm": "random_forest",
        "data_source": "csv",
        "symbols": ["AAPL", "MSFT"],
        "params": {"n_estimators": 10, "max_depth": 4},
    } | overrides
    return client.post("/api/v1/ml/jobs", body, format="json")


@pytest.fixture
def ml_artifacts(settings: Any, tmp_path: Any) -> None:
    settings.ML_ARTIFACTS_DIR = str(tmp_path / "ml-artifacts")


def test_every_admin_is_told_when_a_training_job_finishes(
    admin_user,
    trader,
    client_for,
    daily_history,
    ml_artifacts,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    from tests.factories import UserFactory

    other_admin = UserFactory(role="admin")
    with django_capture_on_commit_callbacks(execute=True):
        job_id = _train(client_for(admin_user)).json()["id"]
    for admin in (admin_user, other_admin):
        done = only(admin, "ml_job_finished")
        assert (done.level, done.link) == ("info", f"/manage/ml?job={job_id}")
        assert done.title == "ML job finished: Verdict classifier, Random forest"
        assert done.message.startswith("Registered verdict_classifier v1, trained on 2 symbols from csv.")
        assert "Test accuracy" in done.message and "Backtest" in done.message
        assert done.data["job_id"] == job_id and done.data["model_id"]
    assert not Notification.objects.filter(user=trader).exists()  # admins only


def test_a_failed_training_job_tells_the_admins_why(
    admin_user,
    client_for,
    daily_history,
    ml_artifacts,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        job_id = _train(client_for(admin_user), window_start="2013-01-01", window_end="2013-03-01").json()[
            "id"
        ]
    failed = only(admin_user, "ml_job_failed")
    assert (failed.level, failed.link) == ("error", f"/manage/ml?job={job_id}")
    assert failed.title == "ML job failed: Verdict classifier, Random forest"
    assert failed.message.startswith("Too few samples to train and test")
    assert not told(admin_user, "ml_job_finished")


def test_a_job_whose_worker_was_lost_tells_the_admins(admin_user, settings):
    from datetime import timedelta

    from django.utils import timezone

    from mlops.models import JobStatus, TrainingJob
    from mlops.tasks import sweep_training_jobs

    lost = TrainingJob.objects.create(
        model_type="verdict_classifier",
        data_source="csv",
        status=JobStatus.RUNNING,
        started_at=timezone.now() - timedelta(seconds=settings.ML_TRAINING_TIME_LIMIT + 600),
    )
    sweep_training_jobs()
    failed = only(admin_user, "ml_job_failed")
    assert failed.message.startswith("The worker running this job was lost")
    assert failed.link == f"/manage/ml?job={lost.pk}"


# --- error_spike ----------------------------------------------------------------------------------


def test_an_error_spike_tells_the_admins_once_per_window(admin_user, trader, settings):
    settings.ERROR_SPIKE_THRESHOLD = 5
    settings.ERROR_SPIKE_WINDOW_MINUTES = 5
    noisy = logging.getLogger("tradefleet.trading.execution")
    for number in range(4):
        noisy.error("order %d failed", number, extra={"user_id": str(trader.pk)})
    assert error_spike_check() is None  # 4 errors: under the alarm
    assert not told(admin_user, "error_spike")

    logging.getLogger("brokers.adapters").critical("the exchange is gone")
    assert error_spike_check() == 5
    spike = only(admin_user, "error_spike")
    assert (spike.level, spike.link, spike.title) == (
        "error",
        "/logs?tab=errors",
        "Error spike: 5 errors in 5 min",
    )
    assert "Loudest: tradefleet.trading.execution (4), brokers.adapters (1)." in spike.message

    noisy.error("one more")
    assert error_spike_check() is None  # told already within this window
    assert len(told(admin_user, "error_spike")) == 1
    assert not Notification.objects.filter(user=trader).exists()


# --- user_locked_out ------------------------------------------------------------------------------


def _login(client: Any, email: str, ip: str = "10.0.0.1") -> Any:
    return client.post(
        "/api/v1/auth/login", {"email": email, "password": "Wrong-Password-1"}, format="json", REMOTE_ADDR=ip
    )


def test_the_admins_are_told_when_an_account_is_locked_out(anon, admin_user, trader):
    for _ in range(4):
        assert _login(anon, trader.email).status_code == 401
    assert not told(admin_user, "user_locked_out")
    assert _login(anon, trader.email).status_code == 429  # the fifth failure locks it
    locked = only(admin_user, "user_locked_out")
    assert (locked.level, locked.link, locked.title) == (
        "warning",
        "/manage/users",
        f"User locked out: {trader.email}",
    )
    assert locked.message.startswith(
        f"{trader.email} is locked out after 5 failed logins from 10.0.0.1, until "
    )
    assert "Wrong-Password" not in locked.message and "password" not in str(locked.data).lower()
    assert locked.data["user_id"] == str(trader.pk)

    assert _login(anon, trader.email).status_code == 429  # still locked: told once
    assert len(told(admin_user, "user_locked_out")) == 1
    assert not Notification.objects.filter(user=trader).exists()


def test_guesses_at_an_address_nobody_has_tell_nobody(anon, admin_user):
    for _ in range(6):
        _login(anon, "nobody@example.com")
    assert not told(admin_user, "user_locked_out")
