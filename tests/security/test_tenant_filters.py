"""Lists filtered by another user's ids, and bodies that point at another user's rows: trader B
naming A's account, user, DCA configuration or audited object gets none of A's rows and
attaches nothing of theirs to A's.

Generated from the OpenAPI schema: every query parameter and body field that takes an id is
called with A's; a new one fails until `A_VALUE` says which of A's ids it takes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tests.security.estate import Estate, estate_build
from tests.security.routes import resolve_ref, schema_operations
from tests.trading.factories import ExchangeConfigFactory
from tests.trading.signals.test_webhook_endpoint import alert
from trading.dca.models import DCAConfig
from trading.signals.models import Signal

pytestmark = pytest.mark.django_db

# Which of A's ids each id-taking parameter or field is called with.
A_VALUE = {
    "user": lambda a: a.user.pk,
    "user_id": lambda a: a.user.pk,
    "account": lambda a: a.account.pk,
    "dca_config": lambda a: a.dca_config.pk,
    "resource_id": lambda a: a.group.pk,  # A's audit entry is about A's group
    # GET ml/models/compare?a=&b= names two models, which no trader owns (the route is an
    # admin's: a trader gets 403); any of A's ids proves nothing of A's comes back.
    "a": lambda a: a.group.pk,
    "b": lambda a: a.group.pk,
    # Telegram's chat id is set only by linking through the bot: a PUT naming any other is refused.
    "telegram_chat_id": lambda a: 424242,
}
ID_NAMES = {"user", "user_id", "account", "dca_config", "group", "signal", "resource_id", "order", "session"}


def _takes_an_id(name: str, schema: dict[str, Any]) -> bool:
    return schema.get("format") == "uuid" or name in ID_NAMES or name.endswith("_id")


def id_query_parameters() -> list[tuple[str, str]]:
    found = []
    for (method, path), operation in schema_operations().items():
        if method != "GET" or "{" in path:
            continue
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and _takes_an_id(parameter["name"], parameter["schema"]):
                found.append((path, parameter["name"]))
    return sorted(found)


def _fields(schema: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    schema = resolve_ref(schema)
    for name, field in schema.get("properties", {}).items():
        field = resolve_ref(field)
        yield prefix + name, field
        if field.get("properties"):
            yield from _fields(field, f"{prefix}{name}.")


def id_body_fields() -> list[tuple[str, str, str]]:
    found = []
    for (method, path), operation in schema_operations().items():
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" not in content or "/webhooks/" in path:
            continue  # the webhook names accounts by label: test_an_alert_naming_anothers_account
        for name, field in _fields(content["application/json"]["schema"]):
            if _takes_an_id(name.rsplit(".", 1)[-1], field) and not field.get("readOnly"):
                found.append((method, path, name))
    return sorted(found)


@pytest.fixture
def a(trader) -> Estate:
    return estate_build(trader)


@pytest.fixture
def b(other_trader) -> Estate:
    return estate_build(other_trader, account=ExchangeConfigFactory(user=other_trader, label="b-main"))


@pytest.fixture
def as_b(b, client_for, settings_throttles_off):
    return client_for(b.user)


def _leaks(a: Estate, text: str, *, echoed: str = "") -> set[str]:
    # An error may repeat the value B sent; an answer that lists rows may not carry any of A's.
    return {marker for marker in a.markers() - {echoed} if marker in text}


def test_the_schema_has_id_filters_and_id_fields_and_each_has_a_value() -> None:
    names = {name for _, name in id_query_parameters()} | {n.rsplit(".", 1)[-1] for *_, n in id_body_fields()}
    assert len(id_query_parameters()) >= 6 and len(id_body_fields()) >= 4
    assert names <= set(A_VALUE), f"say which of A's ids to send for: {sorted(names - set(A_VALUE))}"


@pytest.mark.parametrize(("path", "name"), id_query_parameters())
def test_a_list_filtered_by_anothers_id_lists_none_of_their_rows(path, name, a, b, as_b) -> None:
    value = str(A_VALUE[name](a))
    response = as_b.get(path, {name: value})
    assert response.status_code in (200, 400, 403, 404), response.content[:300]
    text = response.content.decode(errors="replace")
    if response.status_code == 200:
        assert value not in text
    assert not _leaks(a, text, echoed=value), f"A's rows in GET {path}?{name}="


@pytest.mark.parametrize(("method", "path", "name"), id_body_fields())
def test_a_body_naming_anothers_row_is_refused(method, path, name, a, b, as_b) -> None:
    before = a.snapshot()
    body = _body(method, path, b)
    *parents, leaf = name.split(".")
    node = body
    for parent in parents:
        node = node.setdefault(parent, {})
    node[leaf] = str(A_VALUE[leaf](a))
    url = path.replace("{id}", str(b.dca_config.pk))
    response = as_b.generic(method, url, data=json.dumps(body), content_type="application/json")

    assert response.status_code in (400, 404), response.content[:300]
    assert a.snapshot() == before
    assert not DCAConfig.objects.filter(user=b.user, account=a.account).exists()
    assert not Signal.objects.filter(user=b.user, account=a.account).exists()
    assert not _leaks(a, response.content.decode(errors="replace"), echoed=node[leaf])


def _body(method: str, path: str, b: Estate) -> dict[str, Any]:
    """What B would send for their own rows."""
    if "/dca-configs" in path:
        return {
            "exchange": "simulator",
            "symbol": "ETH/USDT",
            "timeframe": "4h",
            "levels": b.dca_config.levels,
        }
    return {}


@pytest.mark.parametrize("names", ["a's account id", "a's account label"])
def test_an_alert_naming_anothers_account_trades_nothing_there(
    names, trader, other_trader, make_engine
) -> None:
    a = estate_build(trader, account=ExchangeConfigFactory(user=trader, label="a-desk"))
    engine = make_engine(other_trader)  # B: a simulator account and a BTC/USDT grid of their own
    engine.config()
    before = a.snapshot()
    account = str(a.account.pk) if names.endswith("id") else a.account.label

    def post(account: str) -> Any:
        body = alert(other_trader, execution_intent__account=account)
        return Client().post(
            f"/api/v1/webhooks/{other_trader.pk}", data=json.dumps(body), content_type="text/plain"
        )

    response = post(account)
    assert response.status_code in (400, 422), response.content[:300]
    assert a.snapshot() == before
    assert not Signal.objects.filter(account=a.account).exclude(user=trader).exists()
    assert not _leaks(a, response.content.decode(errors="replace"), echoed=account)
    # The same alert naming B's own account is taken: the refusal was about whose account it is.
    assert post(engine.account.label).status_code == 202
