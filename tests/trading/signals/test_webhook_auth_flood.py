"""Posts with a wrong secret to a trader's URL: anyone who knows the URL can send them, so they
never land in the trader's log one by one (one summary row per window instead), they are
answered 429 past a few per sender, and the trader's own alerts keep getting through."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from celery.signals import before_task_publish
from channels.layers import get_channel_layer
from django.test import Client

from auditlog.models_logs import ServiceLog
from notifications.events import group_for_user
from tests.trading.signals.test_webhook_endpoint import (  # noqa: F401  fixtures
    _markets_from_simulator,
    alert,
    ready,
)
from trading.signals.authentication import REPORT_AUTH_FAILURES, webhook_auth_failures_report
from trading.signals.models import Signal

STRANGER, OTHER_STRANGER, TRADINGVIEW = "203.0.113.9", "198.51.100.4", "52.89.214.238"
# Windows are fixed, counted from the epoch: one this long (2001 to 2033) no test run crosses.
WINDOW = 10**9


@pytest.fixture(autouse=True)
def _one_window(settings) -> None:
    settings.WEBHOOK_AUTH_FAILURE_WINDOW = WINDOW


def post(user_id: object, body: dict[str, Any], *, ip: str) -> Any:
    return Client().post(
        f"/api/v1/webhooks/{user_id}", data=json.dumps(body), content_type="text/plain", REMOTE_ADDR=ip
    )


def wrong(user: Any, *, ip: str = STRANGER) -> Any:
    return post(user.pk, alert(user, secret="a-wrong-guess-of-the-secret"), ip=ip)


class Socket:
    """The trader's live events, as their browser would get them (the real channel layer)."""

    def __init__(self, user: Any) -> None:
        self.layer, self.group = get_channel_layer(), group_for_user(user.pk)
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(self.group, self.channel)

    def events(self) -> list[dict[str, Any]]:
        async def drain() -> list[dict[str, Any]]:
            got = []
            while True:
                try:
                    message = await asyncio.wait_for(self.layer.receive(self.channel), timeout=0.3)
                except TimeoutError:
                    return got
                got.append(message["event"])

        return async_to_sync(drain)()

    def close(self) -> None:
        async_to_sync(self.layer.group_discard)(self.group, self.channel)


@pytest.fixture
def socket(trader):
    opened = Socket(trader)
    yield opened
    opened.close()


def test_wrong_secrets_put_nothing_in_the_traders_log_or_on_their_sockets(
    trader, socket, django_capture_on_commit_callbacks
) -> None:
    try:
        with django_capture_on_commit_callbacks(execute=True):  # what a commit would send, sent
            codes = {wrong(trader).status_code for _ in range(30)}
    finally:
        _purge_broker()  # the summary's message, due at the window's end (tested below)
    assert codes == {401, 429}
    assert not ServiceLog.objects.filter(user=trader).exists()
    assert socket.events() == []


def test_past_ten_wrong_secrets_from_one_address_the_answer_is_429_with_retry_after(trader) -> None:
    answers = [wrong(trader) for _ in range(12)]
    assert [a.status_code for a in answers] == [401] * 10 + [429] * 2
    throttled = answers[-1]
    assert throttled.json() == {
        "detail": f"Too many webhook requests with a wrong secret; retry in {throttled['Retry-After']} s.",
        "code": "auth_throttled",
        "errors": {},
    }
    assert 1 <= int(throttled["Retry-After"]) <= WINDOW  # the end of the window


def test_the_trader_gets_through_while_a_stranger_hammers_a_wrong_secret(trader) -> None:
    ready(trader)
    assert {wrong(trader).status_code for _ in range(50)} == {401, 429}
    assert post(trader.pk, alert(trader), ip=TRADINGVIEW).status_code == 202
    # The secret is compared first: even the stranger's address (TradingView's, shared by every
    # customer) does not lock out the right secret.
    assert post(trader.pk, alert(trader), ip=STRANGER).status_code == 202
    assert Signal.objects.filter(user=trader).count() == 2


def test_many_addresses_meet_the_looser_limit_per_user(trader, settings) -> None:
    ready(trader)
    settings.WEBHOOK_AUTH_FAILURES_PER_USER = 20
    spread = [wrong(trader, ip=f"192.0.2.{n}").status_code for n in range(20)]
    assert spread == [401] * 20
    assert wrong(trader, ip="192.0.2.200").status_code == 429  # a new address, over the user's limit
    assert post(trader.pk, alert(trader), ip=TRADINGVIEW).status_code == 202


def test_one_address_trying_many_user_ids_is_throttled(trader, settings) -> None:
    ready(trader)
    settings.WEBHOOK_AUTH_FAILURES_PER_ADDRESS = 5
    codes = [post(uuid.uuid4(), {"secret": "guess"}, ip=STRANGER).status_code for _ in range(7)]
    assert codes == [401] * 5 + [429] * 2
    assert post(trader.pk, alert(trader), ip=STRANGER).status_code == 202


def test_the_operators_log_has_a_line_per_refusal_until_the_limit_then_one_more(trader, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="tradefleet.security"):
        for _ in range(15):
            wrong(trader)
    lines = [r.getMessage() for r in caplog.records if r.name == "tradefleet.security"]
    assert len(lines) == 11
    assert all(str(trader.pk) in line and STRANGER in line for line in lines)
    assert "over the limit" in lines[-1]
    assert "a-wrong-guess-of-the-secret" not in caplog.text


def test_a_window_of_wrong_secrets_is_one_summary_row_on_the_traders_log_and_socket(
    trader, socket, django_capture_on_commit_callbacks
) -> None:
    sent: list[dict[str, Any]] = []

    def capture(sender: str | None = None, headers: dict[str, Any] | None = None, body: Any = None, **_: Any):
        if sender == REPORT_AUTH_FAILURES:
            sent.append({"kwargs": body[1], "eta": (headers or {}).get("eta")})

    before_task_publish.connect(capture, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            for n in range(37):
                wrong(trader, ip=STRANGER if n % 3 else OTHER_STRANGER)
    finally:
        before_task_publish.disconnect(capture)
        _purge_broker()
    assert len(sent) == 1  # scheduled once, at the window's first refusal
    window = sent[0]["kwargs"]["window"]
    assert sent[0]["kwargs"] == {"user_id": str(trader.pk), "window": window}
    window_end = datetime.fromtimestamp((window + 1) * WINDOW, tz=UTC)
    eta = datetime.fromisoformat(sent[0]["eta"])
    assert window_end <= eta <= window_end + timedelta(seconds=10)
    assert not ServiceLog.objects.filter(user=trader).exists()

    with django_capture_on_commit_callbacks(execute=True):
        webhook_auth_failures_report(**sent[0]["kwargs"])  # what the task runs when it is due
    [row] = ServiceLog.objects.filter(user=trader)
    assert (row.level, row.category) == ("WARNING", "SECURITY")
    assert row.message.startswith(
        f"37 webhook requests with a wrong or missing secret from 2 addresses ({OTHER_STRANGER}, {STRANGER})"
    )
    assert "rotate the secret" in row.message
    assert (row.context["count"], row.context["addresses"]) == (37, 2)
    events = socket.events()
    assert [(e["type"], e["data"]["message"]) for e in events] == [("log.created", row.message)]


def test_the_summary_runs_as_a_registered_task_and_an_expired_window_writes_nothing(trader) -> None:
    from config.tasks import task_named

    task = task_named(REPORT_AUTH_FAILURES)
    task.apply(kwargs={"user_id": str(trader.pk), "window": 1})  # 1970: long expired
    assert not ServiceLog.objects.filter(user=trader).exists()


def _purge_broker() -> None:
    from config.celery import app

    with app.connection_for_write() as conn:  # leave no message behind for other tests
        conn.default_channel.queue_purge("celery")


def test_the_summary_names_its_ten_minutes(trader, settings) -> None:
    from trading.signals.rate_limit import auth_failure_count

    settings.WEBHOOK_AUTH_FAILURE_WINDOW = 600
    tally = auth_failure_count(user_id=trader.pk, ip=STRANGER)
    webhook_auth_failures_report(user_id=str(trader.pk), window=tally.window)
    start = datetime.fromtimestamp(tally.window * 600, tz=UTC)
    end = start + timedelta(minutes=10)
    [row] = ServiceLog.objects.filter(user=trader)
    assert row.message.startswith(
        f"1 webhook request with a wrong or missing secret from 1 address ({STRANGER}) "
        f"between {start:%Y-%m-%d %H:%M} and "
    )
    assert f" and {end:%H:%M} UTC; refused, nothing traded." in row.message or end.date() != start.date()
