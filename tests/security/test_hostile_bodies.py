"""Hostile values in every field of every request body the OpenAPI schema documents (a lone
surrogate, a NUL, JSON nested 2000 deep, a 1 MB string; also as a field's name, and as the whole
body): the API answers 4xx or does the thing, never 5xx, and stores no NUL or lone surrogate.

The caller is an admin with rows of every kind, so each body reaches its serializer and service."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from tests.factories import UserFactory
from tests.security.dump import database_rows
from tests.security.estate import LEVELS, Estate, estate_build, path_values
from tests.security.hostile import PAYLOADS, Caller, as_json, bad_text, deep_document
from tests.security.routes import WRITE_METHODS, fill, resolve_ref, schema_operations
from tests.trading.factories import ExchangeConfigFactory
from tests.trading.signals.test_webhook_endpoint import alert

pytestmark = pytest.mark.django_db
Path = tuple[str | int, ...]


def body_operations() -> list[tuple[str, str]]:
    return sorted(op for op, operation in schema_operations().items() if "requestBody" in operation)


def _query_names() -> list[str]:
    """The API's filter names: the keys a free-form object (the export's `filters`) may hold."""
    names = {
        parameter["name"]
        for operation in schema_operations().values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter["name"] not in ("page", "page_size")
    }
    return sorted(names)


def field_paths(schema: dict[str, Any], prefix: Path = ()) -> Iterator[Path]:
    """Every place a value goes: each property, each property of nested objects and of array
    items, each key of a free-form object."""
    schema = resolve_ref(schema)
    for part in ("allOf", "oneOf", "anyOf"):
        for option in schema.get(part, [])[:1]:
            yield from field_paths(option, prefix)
    properties = schema.get("properties", {})
    for name, field in properties.items():
        field = resolve_ref(field)
        if field.get("readOnly"):
            continue
        yield (*prefix, name)
        yield from field_paths(field, (*prefix, name))
    if "items" in schema:
        yield from field_paths(schema["items"], (*prefix, 0))
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        yield (*prefix, "1")
        yield from field_paths(extra, (*prefix, "1"))
    elif schema.get("type") == "object" and not properties and prefix:
        yield from ((*prefix, name) for name in _query_names())


def put_at(body: Any, path: Path, value: object) -> Any:
    """A copy of `body` with `value` at `path` (an int step is the first item of an array)."""
    body = copy.deepcopy(body)
    node = body
    for step, after in itertools.pairwise(path):
        kind = list if isinstance(after, int) else dict
        if isinstance(node, list):
            if not node or not isinstance(node[0], kind):
                node[:] = [kind()]
            node = node[0]
        else:
            if not isinstance(node.get(step), kind):
                node[step] = kind()
            node = node[step]
    if isinstance(node, list):
        node[:] = [value]
    else:
        node[path[-1]] = value
    return body


def base_body(method: str, path: str, caller: Caller) -> dict[str, Any]:
    """A body the operation would take, so the hostile value is the only thing wrong with it."""
    grid = {"exchange": "simulator", "symbol": "ETH/USDT", "timeframe": "4h", "levels": LEVELS}
    return {
        "/api/v1/webhooks/{user_id}": alert(caller.user),
        "/api/v1/dca-configs": grid,
        "/api/v1/dca-configs/{id}": grid,
        "/api/v1/dca-configs/preview": {**grid, "entry_price": "100", "capital": "1000"},
        "/api/v1/keys/{exchange}": {"mode": "testnet", "label": "hostile"},
        "/api/v1/logs/export": {"format": "csv", "filters": {}},
        "/api/v1/auth/login": {"email": caller.user.email, "password": "Wrong-password-1"},
    }.get(path, {})


MULTIPART = "multipart/form-data"


def json_bodies(schema: dict[str, Any], base: dict[str, Any]) -> list[tuple[str, str | bytes]]:
    bodies: list[tuple[str, str | bytes]] = []
    for name, payload in PAYLOADS.items():
        bodies.append((f"{name} as a field name", as_json({**base, str(payload)[:100]: 1})))
        bodies += [
            (f"{name} in {'.'.join(map(str, p))}", as_json(put_at(base, p, payload)))
            for p in field_paths(schema)
        ]
    return bodies


def multipart_bodies(schema: dict[str, Any]) -> list[tuple[str, str | bytes]]:
    fields = sorted(schema.get("properties", {}))
    bodies: list[tuple[str, str | bytes]] = []
    marker = "HOSTILE-VALUE-MARKER"
    for name, payload in PAYLOADS.items():
        # Raw bytes, as a client could send them (a lone surrogate is not even valid UTF-8).
        raw = str(payload).encode("utf-8", "surrogatepass")
        for field in fields:
            form: dict[str, Any] = {"symbol": "AAPL", "interval": "1d", field: marker}
            form["file"] = SimpleUploadedFile(
                "candles.csv", marker.encode() if field == "file" else b"date,open,high,low,close\n"
            )
            body = encode_multipart(BOUNDARY, form).replace(marker.encode(), raw)
            bodies.append((f"{name} in {field}", body))
    return bodies


def url(path: str, estate: Estate, other: Any) -> str:
    filled = fill(path, **path_values(path, estate, other=other))
    # The spare account holds nothing (removing one with positions: test_hostile_headers_and_query).
    return filled + ("?label=spare" if "/keys/" in path else "")


@pytest.fixture
def admin(make_engine, admin_user, settings_throttles_off) -> tuple[Caller, Estate, Any]:
    engine = make_engine(admin_user)
    ExchangeConfigFactory(user=admin_user, label="spare")
    estate = estate_build(admin_user, account=engine.account, symbol="BTC/USDT")
    return Caller(admin_user), estate, UserFactory()


def test_every_documented_body_is_covered() -> None:
    assert len(body_operations()) >= 20
    assert ("POST", "/api/v1/webhooks/{user_id}") in body_operations()


@pytest.mark.parametrize(("method", "path"), body_operations(), ids=str)
def test_hostile_values_in_any_field_never_make_a_5xx(method, path, admin) -> None:
    caller, estate, other = admin
    target = url(path, estate, other)
    content = schema_operations()[(method, path)]["requestBody"]["content"]
    if MULTIPART in content:  # a file upload: each form field (the file included) carries the value
        media, bodies = MULTIPART_CONTENT, multipart_bodies(content[MULTIPART]["schema"])
    else:
        media = "text/plain" if "text/plain" in content else "application/json"
        bodies = json_bodies(content[media]["schema"], base_body(method, path, caller))

    failures = []
    for case, raw in bodies:
        response = caller.call(method, target, raw=raw, content_type=media)
        if response.status_code >= 500:
            failures.append(f"{case}: {response.status_code}")
    assert not failures, f"{method} {path}:\n" + "\n".join(failures)
    assert not [(t, c) for t, c, value in database_rows() if bad_text(value)], (
        "a NUL or lone surrogate was stored"
    )


@pytest.mark.parametrize(
    ("method", "path"), sorted(op for op in schema_operations() if op[0] in WRITE_METHODS), ids=str
)
def test_a_body_nested_2000_deep_never_makes_a_5xx(method, path, admin) -> None:
    caller, estate, other = admin
    media = "text/plain" if "/webhooks/" in path else "application/json"
    response = caller.call(method, url(path, estate, other), raw=deep_document(), content_type=media)
    assert response.status_code < 500, response.content[:300]
