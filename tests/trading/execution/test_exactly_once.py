"""Exactly-once placement when things go wrong: the exchange answers 5xx after applying an
order, a real Celery worker is killed with SIGKILL mid-placement, a crash between commit and
enqueue, and concurrent entries for one key. Each must leave exactly one order on the exchange."""

from __future__ import annotations

import os
import signal as signals
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections
from django.utils import timezone

from config.celery import app as celery_app
from trading.execution.services.orders import order_place, orders_sweep
from trading.positions.models import DCAOrder, PositionGroup
from trading.queue.tasks import process_signal

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
ONE_LEG = [{"gap_percent": "0", "weight_percent": "100", "tp_percent": "1"}]
ROOT = Path(__file__).resolve().parents[3]  # the project, where `celery -A config` runs


def _orders_on_exchange(engine, client_order_id: str) -> list[dict]:
    orders = engine.control.account(str(engine.account.api_key))["open_orders"]
    return [o for o in orders if o.get("client_order_id") == client_order_id]


def _exchange_order(engine, leg: DCAOrder):
    from brokers.adapters.cache import cached_adapter_for

    return cached_adapter_for(engine.account).fetch_order_by_client_id(
        symbol="BTC/USDT", client_order_id=leg.client_order_id
    )


def test_a_5xx_after_the_exchange_applied_the_order_leaves_one_order(engine):
    engine.config(levels=ONE_LEG)
    engine.price("BTC/USDT", "101")  # the limit at 100 rests
    engine.control.set_faults(error_rate=1.0, match=["POST /api/v3/order"], after_apply=True, count=1)
    engine.signal(price="100")
    leg = engine.legs()[0]
    assert (leg.status, leg.attempts) == ("open", 1)
    assert leg.exchange_order_id == _exchange_order(engine, leg).id
    assert len(_orders_on_exchange(engine, leg.client_order_id)) == 1


def test_a_5xx_before_the_order_was_applied_is_retried_once_looked_up(engine):
    engine.config(levels=ONE_LEG)
    engine.price("BTC/USDT", "101")
    engine.control.set_faults(error_rate=1.0, match=["POST /api/v3/order"], after_apply=False, count=1)
    celery_app.conf.task_eager_propagates = False  # let Celery run the task's own retry
    engine.signal(price="100")
    leg = engine.legs()[0]
    # The first attempt's 503 released the lease; the retry looked the order up (not there)
    # and only then sent it.
    assert (leg.status, leg.attempts) == ("open", 2)
    assert "503" in leg.last_error
    assert len(_orders_on_exchange(engine, leg.client_order_id)) == 1


def test_an_order_the_exchange_refuses_fails_with_its_message_and_is_not_retried(engine):
    engine.config(levels=ONE_LEG)
    engine.control.create_account(
        str(engine.account.api_key), str(engine.account.api_secret), {"USDT": "50"}, set_balances=True
    )
    engine.signal(price="100", order_size="1000")
    leg = engine.legs()[0]
    assert (leg.status, leg.attempts) == ("failed", 1)
    assert "insufficient balance" in leg.last_error
    group = engine.group()
    assert (group.status, group.close_reason) == ("failed", "orders_failed")


def test_the_sweeper_heals_a_crash_between_commit_and_enqueue(engine, eager_celery):
    engine.config()  # three legs: the first is sent by the creating worker, two are enqueued
    engine.price("BTC/USDT", "101")
    # Nothing is sent or published after the commit: as if the worker died right after it.
    from unittest import mock

    with mock.patch("trading.queue.services.processing.place_after_commit"):
        engine.signal(price="100")
    first, *others = engine.legs()
    # The first leg was committed claimed by its (now dead) worker, the others unsent.
    assert (first.status, first.attempts, [o.status for o in others]) == ("submitting", 1, ["pending"] * 2)
    assert orders_sweep() == 0  # too fresh: their own messages may still be on the way
    DCAOrder.objects.filter(pk__in=[o.pk for o in others]).update(
        created_at=timezone.now() - timedelta(seconds=30)
    )
    assert orders_sweep() == 2  # eager: re-enqueued and placed
    assert [o.status for o in engine.legs()[1:]] == ["open", "open"]
    assert engine.legs()[0].status == "submitting"  # its lease still runs: nobody else may touch it
    DCAOrder.objects.filter(pk=first.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert orders_sweep() == 1  # looked up (never sent), then sent
    first.refresh_from_db()
    assert (first.status, first.attempts) == ("open", 2)
    for leg in engine.legs():
        assert len(_orders_on_exchange(engine, leg.client_order_id)) == 1
    assert orders_sweep() == 0


def test_a_claimed_order_whose_worker_died_is_looked_up_not_sent_again(engine, settings):
    engine.config(levels=ONE_LEG)
    engine.price("BTC/USDT", "101")
    engine.signal(price="100")
    leg = engine.legs()[0]
    # As if a worker had sent it and died before recording the answer.
    DCAOrder.objects.filter(pk=leg.pk).update(
        status="submitting", exchange_order_id="", lease_until=timezone.now() - timedelta(seconds=1)
    )
    order_place(order_id=str(leg.pk))
    leg.refresh_from_db()
    assert leg.status == "open" and leg.exchange_order_id
    assert len(_orders_on_exchange(engine, leg.client_order_id)) == 1


def test_a_live_lease_keeps_a_second_worker_out(engine):
    engine.config(levels=ONE_LEG)
    engine.price("BTC/USDT", "101")
    from unittest import mock

    with mock.patch("trading.queue.services.processing.place_after_commit"):
        engine.signal(price="100")
    leg = engine.legs()[0]
    DCAOrder.objects.filter(pk=leg.pk).update(
        status="submitting", lease_until=timezone.now() + timedelta(seconds=60)
    )
    order_place(order_id=str(leg.pk))
    leg.refresh_from_db()
    assert leg.status == "submitting" and _orders_on_exchange(engine, leg.client_order_id) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads need a server database (CI runs it)")
def test_ten_concurrent_entries_for_one_key_open_one_group(engine):
    engine.config(levels=ONE_LEG)
    engine.price("BTC/USDT", "101")
    from trading.queue.services.processing import signal_process
    from trading.signals.models import Signal

    signals_ = [
        Signal.objects.create(
            user=engine.user,
            account=engine.account,
            exchange="simulator",
            symbol="BTC/USDT",
            timeframe="1h",
            side="long",
            intent_type="signal",
            price=D("100"),
            parsed={"order_size": "1000", "position_size_type": "quote"},
            idempotency_key=f"k{i}",
            sent_at=timezone.now(),
        )
        for i in range(10)
    ]
    barrier = threading.Barrier(10)
    errors: list[BaseException] = []

    def run(signal_id: str) -> None:
        try:
            barrier.wait()
            signal_process(signal_id=signal_id)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(str(s.pk),)) for s in signals_]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert PositionGroup.objects.count() == 1
    outcomes = sorted(Signal.objects.values_list("classification", flat=True))
    assert outcomes == ["duplicate"] * 9 + ["entry"]
    assert DCAOrder.objects.filter(role="leg").count() == 1


# --- a real worker process, killed with SIGKILL ---------------------------------------------------


def _database_url() -> str:
    db = django_settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_process(engine) -> Iterator[callable]:
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "SIMULATOR_URL": django_settings.SIMULATOR_URL,
            "SIMULATOR_CONTROL_TOKEN": django_settings.SIMULATOR_CONTROL_TOKEN,
            "EXCHANGE_TIMEOUT_MS": "60000",
            "TRADING_ORDER_LEASE_SECONDS": "2",
            "LOG_LEVEL": "INFO",
        }
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-P",
                "prefork",
                "-c",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signals.SIGKILL)
            process.wait(10)


def _wait(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


@pytest.mark.redis
@pytest.mark.skipif(
    django_settings.EMBEDDED or connection.vendor != "postgresql",
    reason="a worker process needs the real broker and database (CI runs it)",
)
@pytest.mark.parametrize("applied", [True, False], ids=["killed-after-the-exchange-applied", "killed-before"])
def test_a_worker_killed_with_sigkill_during_placement_leaves_one_order(engine, worker_process, applied):
    engine.config(levels=ONE_LEG)
    engine.price("BTC/USDT", "101")
    celery_app.control.purge()
    # The create hangs (after or before the exchange applies it) so the kill lands mid-request.
    engine.control.set_faults(
        timeout_rate=1.0, match=["POST /api/v3/order"], after_apply=applied, count=1, hang_seconds=60
    )
    celery_app.conf.task_always_eager = False
    try:
        # The worker process classifies the signal and sends the entry itself.
        signal = engine.signal(price="100", process=False)
        process_signal.delay(signal_id=str(signal.pk), user_id=str(engine.user.pk))
    finally:
        celery_app.conf.task_always_eager = True
    worker = worker_process()
    _wait(lambda: DCAOrder.objects.filter(role="leg", status="submitting").exists(), timeout=60)
    leg = engine.legs()[0]
    requests = lambda: int(engine.control.state()["counters"]["by_endpoint"].get("POST /api/v3/order", 0))  # noqa: E731
    _wait(lambda: requests() >= 1)
    time.sleep(0.2)
    os.killpg(worker.pid, signals.SIGKILL)
    worker.wait(10)
    engine.control.clear_faults()
    on_exchange_before = len(_orders_on_exchange(engine, leg.client_order_id))
    assert on_exchange_before == (1 if applied else 0)
    # The lease (2 s) runs out; the sweeper re-sends; the next worker looks it up first.
    time.sleep(2.2)
    assert orders_sweep() == 1  # eager here: this process plays the next worker
    leg.refresh_from_db()
    assert leg.status == "open" and leg.attempts == 2
    assert len(_orders_on_exchange(engine, leg.client_order_id)) == 1
