"""A Kotak Neo login's whole life through the API, against the Kotak simulator over HTTP: connect
with a consumer key and secret, mobile number, UCC, MPIN and TOTP secret; validate (a real
two-step login, whose session lands in the cache); read holdings, positions, funds and the order
book; connect a second account with a wrong MPIN and a malformed one; delete. Then every one of
those secrets, and the session's tokens, is looked for in every API answer, the log records at
DEBUG, every column of every table, the audit trail and the cache, where the session may only be
held encrypted. Zero hits."""

from __future__ import annotations

import json
import logging

import pyotp
import pytest

from auditlog.models import AuditLog
from brokers.adapters.session_cache import CacheSessionStore, session_key_for
from brokers.models import ExchangeConfig
from tests.brokers.test_kotak_accounts import KotakSim, running_kotak_simulator
from tests.security.dump import database_rows, local_cache_entries, redis_entries

__all__ = ["running_kotak_simulator"]

pytestmark = pytest.mark.django_db
KEYS = "/api/v1/keys/kotak_simulator"


@pytest.fixture(autouse=True)
def _point_at_simulator(settings, running_kotak_simulator: KotakSim) -> None:
    settings.KOTAK_SIMULATOR_URL = running_kotak_simulator.base_url
    settings.KOTAK_SIMULATOR_CONTROL_TOKEN = running_kotak_simulator.control_token
    settings.KOTAK_SIMULATOR_PUBLIC_KEY = running_kotak_simulator.public_key


def test_no_kotak_secret_is_left_anywhere(api, trader, running_kotak_simulator, caplog, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    caplog.set_level(logging.DEBUG)
    made = running_kotak_simulator.provision(mpin="739153", totp_secret=pyotp.random_base32())
    secrets = {
        "consumer key": made["consumer_key"],
        "consumer secret": made["consumer_secret"],
        "MPIN": made["mpin"],
        "TOTP secret": made["totp_secret"],
        "mobile number": made["mobile_number"][-10:],
    }
    answers: list[tuple[str, str]] = []

    def call(method: str, path: str, body: dict | None = None, *, expect: int) -> dict | list | None:
        response = getattr(api, method)(path, body, format="json") if body else getattr(api, method)(path)
        text = response.content.decode()
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {text[:300]}"
        answers.append((f"{method.upper()} {path}", text))
        return json.loads(text) if text else None

    login = {
        "api_key": made["consumer_key"],
        "api_secret": made["consumer_secret"],
        "mobile_number": made["mobile_number"],
        "ucc": made["ucc"],
        "mpin": made["mpin"],
        "totp_secret": made["totp_secret"],
    }
    call("post", KEYS, {"mode": "testnet", "label": "main", **login}, expect=201)
    validated = call("put", f"{KEYS}/validate?label=main", expect=200)
    assert validated["is_validated"] is True, validated
    config = ExchangeConfig.objects.get(user=trader, label="main")
    session = CacheSessionStore(account_id=config.pk).get(session_key_for(config.pk))
    assert session, "validation logged in, so a session is cached"
    secrets |= {f"session {name}": str(value) for name, value in session.items() if name in {"token", "sid"}}
    for read in ("holdings", "positions", "funds", "orders"):
        call("get", f"{KEYS}/{read}?label=main", expect=200)
    call("get", "/api/v1/keys", expect=200)
    call("get", "/api/v1/exchanges", expect=200)

    # A wrong MPIN: the broker refuses it; its message is shown, the MPIN typed is not.
    wrong = {**login, "mpin": "615284"}
    secrets["wrong MPIN"] = wrong["mpin"]
    call("post", KEYS, {"mode": "testnet", "label": "wrong", **wrong}, expect=201)
    refused = call("put", f"{KEYS}/validate?label=wrong", expect=200)
    assert refused["is_validated"] is False and refused["last_error"]
    call("get", f"{KEYS}/funds?label=wrong", expect=409)
    # A malformed login: field errors that name the fields, not the values.
    malformed = {**login, "mpin": "73x9153", "totp_secret": "QQQQ1111QQQQ1111"}
    secrets["malformed TOTP secret"] = malformed["totp_secret"]
    call("post", KEYS, {"mode": "testnet", "label": "bad", **malformed}, expect=400)
    call("delete", f"{KEYS}?label=wrong", expect=204)

    places = [(f"answer of {where}", text) for where, text in answers]
    places.append(("log records", caplog.text))
    places += [(f"table {table}.{column}", value) for table, column, value in database_rows()]
    places += [(f"audit {entry.action}", json.dumps(entry.changes)) for entry in AuditLog.objects.all()]
    places += [*redis_entries(), *local_cache_entries()]
    hits = [
        f"{name} in {where}" for where, text in places for name, value in secrets.items() if value in text
    ]
    assert not hits, "\n".join(hits[:40])
    assert AuditLog.objects.filter(action="exchange_account.create").count() == 2
