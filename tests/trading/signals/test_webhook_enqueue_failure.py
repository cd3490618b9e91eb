"""An alert the webhook stored is never lost to the broker: when Redis refuses its message the
answer is still 202 and the row waits for the signal sweeper, and a resend of an alert the engine
has not acted on yet is sent again (202), not answered as a silent duplicate. Markets come from a
running exchange simulator; the broker really refuses (a Redis address where nothing listens)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from celery.signals import before_task_publish
from django.test import Client

from brokers.simulator import SimulatorOptions
from brokers.simulator.control import EmbeddedSimulator, start_embedded
from config.celery import app
from config.publish import TaskSender
from tests.trading.signals.test_webhook_endpoint import alert, ready
from trading.runtime import task_names as names
from trading.signals import enqueue
from trading.signals.models import Signal, SignalStatus

# The view runs in autocommit, as in production: the message is sent right after the INSERT.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def simulator() -> Iterator[EmbeddedSimulator]:
    sim = start_embedded(SimulatorOptions(port=0, tick_seconds=0, history_minutes=60))
    yield sim
    sim.stop()


@pytest.fixture(autouse=True)
def _markets_from_simulator(settings, simulator: EmbeddedSimulator) -> Iterator[None]:
    from brokers.adapters.cache import forget_adapters
    from brokers.markets import forget_markets

    settings.SIMULATOR_URL = simulator.base_url
    settings.SIMULATOR_CONTROL_TOKEN = simulator.server.app.control_token
    forget_markets()
    forget_adapters()
    yield
    forget_adapters()


@pytest.fixture
def post() -> Callable[[Any, dict[str, Any]], Any]:
    client = Client()

    def send(user_id: Any, body: dict[str, Any]) -> Any:
        return client.post(f"/api/v1/webhooks/{user_id}", data=json.dumps(body), content_type="text/plain")

    return send


@pytest.fixture
def published() -> Iterator[list[dict[str, Any]]]:
    """The `process_signal` messages published meanwhile; the broker's queue is emptied afterwards."""
    seen: list[dict[str, Any]] = []

    def record(sender: str | None = None, body: Any = None, **_: Any) -> None:
        if sender == names.PROCESS_SIGNAL:
            seen.append({"task": sender, "kwargs": body[1] if body else None})

    before_task_publish.connect(record, weak=False)
    try:
        yield seen
    finally:
        before_task_publish.disconnect(record)
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge("celery")


def break_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The webhook's broker becomes a Redis address where nothing listens, with a fresh sender
    (nothing it learned from the real broker is reused), until `monkeypatch` undoes it."""
    with socket.socket() as probe:  # a free port, closed again: connections to it are refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(app.conf, "broker_url", f"redis://127.0.0.1:{port}/0")
    monkeypatch.setattr(enqueue, "PROCESS_SIGNAL", TaskSender(names.PROCESS_SIGNAL, priority=1))


def test_an_alert_the_broker_refuses_is_kept_and_answered_202_at_once(trader, post, monkeypatch) -> None:
    ready(trader)
    break_broker(monkeypatch)
    started = time.monotonic()
    response = post(trader.pk, alert(trader))
    took = time.monotonic() - started
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "received"
    signal = Signal.objects.get(pk=response.json()["signal_id"])
    assert signal.status == SignalStatus.RECEIVED  # the signal sweeper sends it once Redis is back
    assert took < 3  # kombu's publish retries (about 0.6 s), not a connection's 6 s of retries


def test_a_resend_of_an_alert_never_acted_on_is_sent_again_and_answered_202(
    trader, post, published, monkeypatch
) -> None:
    ready(trader)
    body = alert(trader)
    with monkeypatch.context() as outage:  # the first answer's message is refused
        break_broker(outage)
        first = post(trader.pk, body)
    published.clear()  # the refused message was announced before Redis refused it
    again = post(trader.pk, body)  # TradingView, or the trader, sends it again
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == {
        "signal_id": first.json()["signal_id"],
        "status": "received",
        "classification": "pending",
    }
    message = {"signal_id": first.json()["signal_id"], "user_id": str(trader.pk)}
    assert published == [{"task": names.PROCESS_SIGNAL, "kwargs": message}]
    assert Signal.objects.filter(user=trader).count() == 1


def test_a_burst_of_resends_sends_one_more_message(trader, post, published) -> None:
    ready(trader)
    body = alert(trader)
    answers = [post(trader.pk, body).status_code for _ in range(5)]
    assert answers == [202] * 5
    assert len(published) == 2  # the first, and one copy within TRADING_SIGNAL_SWEEP_AFTER_SECONDS


def test_a_resend_of_an_alert_already_acted_on_is_a_duplicate(trader, post, published) -> None:
    ready(trader)
    body = alert(trader)
    first = post(trader.pk, body)
    Signal.objects.filter(pk=first.json()["signal_id"]).update(status=SignalStatus.PROCESSED)
    published.clear()
    again = post(trader.pk, body)
    assert again.status_code == 200
    assert again.json()["classification"] == "duplicate"
    assert published == []
