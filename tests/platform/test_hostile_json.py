"""Bodies and query strings that made the API answer 500 (the request failed while reading or
echoing them) are refused with a 400 that says where, on every DRF endpoint, logged in or not."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from auditlog.models_logs import ErrorLog
from config.parsers import MAX_DEPTH

pytestmark = pytest.mark.django_db
EXPORT = "/api/v1/logs/export"


def deep(levels: int) -> str:
    return '{"a": ' * levels + "1" + "}" * levels


def send(client: APIClient, method: str, path: str, raw: str) -> object:
    return getattr(client, method)(path, data=raw, content_type="application/json")


@pytest.fixture
def anon_500() -> APIClient:
    return APIClient(raise_request_exception=False)


@pytest.fixture
def admin_api(client_for, admin_user) -> APIClient:
    client = client_for(admin_user)
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize(
    ("method", "path", "raw", "field"),
    [
        # A refused choice used to be echoed back, and the echo could not be encoded.
        ("post", "/api/v1/keys/simulator", r'{"mode": "\ud800"}', "mode"),
        ("patch", "/api/v1/trading-config", r'{"\ud800": 1}', r"\ud800"),
        ("post", "/api/v1/dca-configs", r'{"tp_mode": "\udfff"}', "tp_mode"),
        ("post", "/api/v1/dca-configs", r'{"entry_order_type": "x\udc00"}', "entry_order_type"),
        ("post", EXPORT, r'{"format": "\ud800"}', "format"),
        ("post", EXPORT, r'{"format": "csv", "filters": {"search": "x\ud800"}}', "filters.search"),
        ("post", EXPORT, r'{"format": "csv", "filters": {"a\u0000": "x"}}', r"filters.a\x00"),
        ("post", EXPORT, r'{"format": "csv", "filters": {"search": ["\u0000"]}}', "filters.search.0"),
    ],
)
def test_a_lone_surrogate_or_nul_is_a_400_naming_where_it_is(admin_api, method, path, raw, field):
    response = send(admin_api, method, path, raw)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == [field]
    assert body["detail"].startswith(f"{field}: ")
    assert not ErrorLog.objects.exists()


def test_a_surrogate_pair_is_ordinary_text(admin_api):
    # "\ud83d\ude00" is one character (an emoji): only a half of a pair is refused.
    response = send(admin_api, "post", EXPORT, r'{"format": "json", "filters": {"search": "\ud83d\ude00"}}')
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("client_name", "method", "path"),
    [
        ("anon_500", "post", "/api/v1/auth/login"),
        ("anon_500", "post", "/api/v1/auth/register"),
        ("admin_api", "patch", "/api/v1/trading-config"),
        ("admin_api", "post", EXPORT),
    ],
)
def test_json_nested_2000_deep_is_a_400_even_before_login(request, client_name, method, path):
    response = send(request.getfixturevalue(client_name), method, path, deep(2000))
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "parse_error"
    assert "nested more than" in response.json()["detail"]
    assert not ErrorLog.objects.exists()


def test_nesting_is_refused_just_past_the_limit_and_not_at_it(admin_api):
    path = EXPORT
    # The outer object is a level of its own.
    at_limit = send(admin_api, "post", path, '{"format": "json", "filters": ' + deep(MAX_DEPTH - 1) + "}")
    past_limit = send(admin_api, "post", path, '{"format": "json", "filters": ' + deep(MAX_DEPTH) + "}")
    # At the limit the serializer sees the body (and refuses a nested filter value itself).
    assert at_limit.status_code == 400 and at_limit.json()["code"] == "invalid"
    assert past_limit.status_code == 400 and past_limit.json()["code"] == "parse_error"


def test_a_body_over_the_upload_limit_is_a_json_413(anon_500, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    raw = '{"email": "a@example.com", "password": "' + "x" * 2000 + '"}'
    response = send(anon_500, "post", "/api/v1/auth/login", raw)
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large.", "code": "too_large", "errors": {}}


@pytest.mark.parametrize("query", ["search=%ED%A0%80", "search=ok%C0", "level=INFO&search=%ED%BF%BF"])
def test_a_query_parameter_that_is_not_utf8_is_a_400_naming_it(admin_api, query):
    response = admin_api.get(f"/api/v1/logs?{query}")
    assert response.status_code == 400
    assert response.json()["errors"] == {"search": ["The value is not valid UTF-8 text."]}


def test_utf8_query_parameters_still_search(admin_api):
    assert admin_api.get("/api/v1/logs?search=%C3%A9t%C3%A9").status_code == 200
