"""The API as the URL conf declares it and as the OpenAPI schema documents it.

The security matrices iterate these, so a route added tomorrow is in them by construction: each
matrix compares its table of expectations with `api_operations()` and fails on any difference."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def _route_text(pattern: str) -> str:
    """`^dca-configs/(?P<pk>[0-9a-f-]{36})$` and `keys/<str:exchange>` as `dca-configs/{pk}` and
    `keys/{exchange}`."""
    text = _REGEX_GROUP.sub(r"{\1}", pattern.replace("^", "").replace("$", ""))
    return _CONVERTER.sub(r"{\1}", text)


def _methods(callback: Any) -> frozenset[str]:
    actions = getattr(callback, "actions", None)  # a viewset bound to {method: action}
    if actions:
        # DRF adds "head" to the mapping at the first GET: HEAD is GET, checked as GET.
        return frozenset(method.upper() for method in actions if method not in ("options", "head"))
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view is None:
        return frozenset({"GET"})
    names = getattr(view, "http_method_names", ())
    return frozenset(
        name.upper() for name in names if name not in ("options", "head") and hasattr(view, name)
    )


def _walk(patterns: list[Any], prefix: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            found += _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            found.append((prefix + str(entry.pattern), entry.callback))
    return found


@cache
def api_operations() -> frozenset[tuple[str, str]]:
    """Every (METHOD, route) the URL conf serves under /api/, e.g. ("DELETE", "/api/v1/queue/{pk}")."""
    operations = set()
    for pattern, callback in _walk(get_resolver().url_patterns):
        route = "/" + _route_text(pattern)
        if route.startswith("/api/"):
            operations |= {(method, route) for method in _methods(callback)}
    return frozenset(operations)


def id_operations() -> frozenset[tuple[str, str]]:
    """The operations whose path names something: an id, an exchange, a preset, a symbol."""
    return frozenset(op for op in api_operations() if "{" in op[1])


def write_operations() -> frozenset[tuple[str, str]]:
    return frozenset(op for op in api_operations() if op[0] in WRITE_METHODS)


def fill(route: str, **values: object) -> str:
    return route.format(**{name: str(value) for name, value in values.items()})


@cache
def openapi_schema() -> dict[str, Any]:
    """The schema `GET /api/v1/schema/` serves, built as its view builds it (also at collection
    time, before the test client may send a request)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


def schema_operations() -> dict[tuple[str, str], dict[str, Any]]:
    """{(METHOD, "/api/v1/queue/{id}"): operation} from the schema."""
    return {
        (method.upper(), path): operation
        for path, item in openapi_schema()["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    }


def resolve_ref(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = openapi_schema()["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node
