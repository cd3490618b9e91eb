"""A refused alert is kept in the trader's log as which alert it was, even when it was refused
before it could be read (stale), and never with the secret in a column."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.trading.signals.test_webhook_endpoint import (  # noqa: F401  fixtures
    _markets_from_simulator,
    alert,
    post,
    ready,
    rejected,
)


def test_a_stale_alert_is_logged_with_its_pair_side_and_type(trader, post) -> None:  # noqa: F811
    ready(trader)
    old = (timezone.now() - timedelta(minutes=10)).isoformat().replace("+00:00", "Z")
    response = post(trader.pk, alert(trader, timestamp=old))
    assert response.status_code == 422
    signal = rejected(trader)
    assert (signal.outcome, signal.reason_field) == ("stale", "timestamp")
    assert (signal.exchange, signal.symbol, signal.timeframe, signal.side, signal.intent_type) == (
        "simulator",
        "BTCUSDT",
        "60",
        "long",
        "signal",
    )


def test_a_secret_pasted_into_a_field_is_not_copied_into_the_log(trader, post) -> None:  # noqa: F811
    ready(trader)
    secret = str(trader.webhook_secret)
    response = post(trader.pk, alert(trader, tv__symbol=secret, timestamp="2020-01-01T00:00:00Z"))
    assert response.status_code in (400, 422)
    signal = rejected(trader)
    assert signal.symbol == ""
    assert secret.upper() not in signal.symbol and secret not in signal.raw_body


def test_a_refusal_is_told_in_the_traders_logs_only(
    trader,
    other_trader,
    post,  # noqa: F811
    client_for,
    django_capture_on_commit_callbacks,
) -> None:
    ready(trader)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(trader.pk, alert(trader, tv__exchange="kraken"))
    assert response.status_code == 422
    lines = client_for(trader).get("/api/v1/logs", {"page_size": 50}).json()["results"]
    [line] = [row for row in lines if "refused by the webhook" in row["message"]]
    assert line["level"] == "WARNING" and line["category"] == "TRADING"
    assert "(no_account)" in line["message"] and "BTCUSDT" in line["message"]
    assert str(trader.webhook_secret) not in str(line)
    others = client_for(other_trader).get("/api/v1/logs", {"page_size": 50}).json()["results"]
    assert not [row for row in others if "refused by the webhook" in row["message"]]
    # ... and the bell: the trader's notification links to the refused signal.
    [note] = client_for(trader).get("/api/v1/notifications").json()["results"]
    assert (note["type"], note["level"]) == ("signal_refused", "warning")
    assert "(no_account)" in note["message"] and note["link"].startswith("/signals/")
    assert str(trader.webhook_secret) not in str(note)
    assert client_for(other_trader).get("/api/v1/notifications").json()["count"] == 0


def test_a_field_with_control_characters_is_refused_and_left_out_of_the_row(trader, post) -> None:  # noqa: F811
    ready(trader)
    response = post(trader.pk, alert(trader, tv__timeframe="6\x000", tv__symbol="BTC\x07USDT"))
    assert response.status_code == 400, response.json()
    signal = rejected(trader)
    assert (signal.timeframe, signal.symbol, signal.exchange) == ("", "", "simulator")
