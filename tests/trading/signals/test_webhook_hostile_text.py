"""Characters that are not text in a webhook body: a lone surrogate (the JSON escape `\\ud800`)
and NUL (`\\u0000`). Each answers a clear 4xx naming what is wrong, never a 500 and never an
error-log row; a refusal that proves to be the trader's is kept in their log."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from auditlog.models_logs import ErrorLog
from tests.trading.signals.test_webhook_endpoint import (  # noqa: F401  fixtures
    _markets_from_simulator,
    alert,
    ready,
    rejected,
)
from trading.signals.models import Signal

SURROGATE = "\\ud800"  # as it travels: six ASCII characters, which JSON decodes to U+D800
NUL = "\\u0000"


def send(user_id: object, raw: bytes) -> object:
    # raise_request_exception=False: a 500 is an answer here (and an ErrorLog row), not a crash.
    return Client(raise_request_exception=False).post(
        f"/api/v1/webhooks/{user_id}", data=raw, content_type="text/plain; charset=utf-8"
    )


def raw_alert(user, **changes: object) -> bytes:
    """The template's bytes with `"@name@"` placeholders swapped for raw JSON text (escapes kept)."""
    body = alert(user, **{path: f"@{path}@" for path in changes})
    text = json.dumps(body)
    for path, value in changes.items():
        text = text.replace(f'"@{path}@"', str(value))
    return text.encode()


@pytest.fixture(autouse=True)
def _no_error_log_rows(db):
    yield
    assert not ErrorLog.objects.exists()


@pytest.mark.parametrize(
    "secret", [f'"{SURROGATE}"', f'"abc{SURROGATE}def"', f'"{NUL}"', f'"\\udfff{SURROGATE}"']
)
def test_a_secret_that_is_not_text_is_401_for_a_known_user(trader, secret) -> None:
    response = send(trader.pk, raw_alert(trader, secret=secret))
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert not Signal.objects.exists()


@pytest.mark.parametrize("user_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_a_secret_that_is_not_text_is_401_for_an_unknown_user(db, user_id) -> None:
    response = send(user_id, f'{{"secret": "{SURROGATE}"}}'.encode())
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("strategy_info__alert_message", "strategy_info.alert_message"),
        ("strategy_info__trade_id", "strategy_info.trade_id"),
        ("tv__symbol", "tv.symbol"),
        ("tv__entry_price", "tv.entry_price"),
        ("execution_intent__strategy", "execution_intent.strategy"),
        ("note", "note"),  # read by nobody, but the raw body is stored
    ],
)
def test_a_lone_surrogate_in_any_field_is_400_naming_it_and_kept_in_the_log(trader, path, field) -> None:
    ready(trader)
    response = send(trader.pk, raw_alert(trader, **{path: f'"BTC{SURROGATE}"'}))
    assert response.status_code == 400, response.content
    answer = response.json()
    assert (answer["code"], list(answer["errors"])) == ("invalid", [field])
    signal = rejected(trader)
    assert str(signal.pk) == answer["signal_id"]
    assert signal.reason_field == field
    assert SURROGATE in signal.raw_body  # as sent: the escape, which any database stores
    assert str(trader.webhook_secret) not in signal.raw_body


def test_a_lone_surrogate_in_a_key_is_400_naming_the_key(trader) -> None:
    ready(trader)
    raw = raw_alert(trader).replace(b'"tv": {', f'"tv": {{"{SURROGATE}x": 1, '.encode())
    response = send(trader.pk, raw)
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == ["tv.\\ud800x"]


def test_a_pair_of_surrogate_escapes_is_ordinary_text(trader) -> None:
    ready(trader)
    emoji = "\\ud83d\\ude80"  # a rocket, as an escaped surrogate pair
    response = send(trader.pk, raw_alert(trader, strategy_info__alert_message=f'"to the moon {emoji}"'))
    assert response.status_code == 202, response.content
    assert Signal.objects.get(user=trader).parsed["alert_message"] == "to the moon \U0001f680"


def test_a_nul_in_a_field_read_is_400_naming_it(trader) -> None:
    ready(trader)
    response = send(trader.pk, raw_alert(trader, strategy_info__alert_name=f'"BTC{NUL}Long"'))
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == ["strategy_info.alert_name"]
    assert rejected(trader).reason_field == "strategy_info.alert_name"


def test_a_nul_in_a_field_nobody_reads_is_stored_escaped(trader) -> None:
    ready(trader)
    response = send(trader.pk, raw_alert(trader, note=f'"a{NUL}b"'))
    assert response.status_code == 202, response.content
    assert NUL in Signal.objects.get(user=trader).raw_body


@pytest.mark.parametrize("key", [f"{NUL}", f"a{NUL}b"])
def test_a_nul_in_a_key_is_400_naming_the_key(trader, key) -> None:
    ready(trader)
    raw = raw_alert(trader).replace(b'"tv": {', f'"tv": {{"{key}": 1, '.encode())
    response = send(trader.pk, raw)
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [f"tv.{key.replace(NUL, chr(92) + 'x00')}"]
    assert "\x00" not in rejected(trader).reason_field


@pytest.mark.parametrize("key", [NUL, SURROGATE])
def test_a_key_twice_that_is_not_text_is_400_invalid_body(trader, key) -> None:
    ready(trader)
    raw = raw_alert(trader).replace(b'"tv": {', f'"tv": {{"{key}": 1, "{key}": 2, '.encode())
    response = send(trader.pk, raw)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_body"
    assert rejected(trader).reason_code == "invalid_body"  # a broken paste of theirs: kept


def test_a_stranger_cannot_store_anything_with_these_characters(trader) -> None:
    ready(trader)
    raw = raw_alert(trader, secret='"wrong-secret-guess"', note=f'"{SURROGATE}"')
    assert send(trader.pk, raw).status_code == 401
    assert not Signal.objects.exists()
