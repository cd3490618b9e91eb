"""The answers every operation may give besides its own, written into the OpenAPI schema once.

Every error of the API has one shape (config/api/errors.py): `{"detail", "code", "errors"}`. Views
document what is particular to them (a 409, the webhook's refusals); this drf-spectacular
post-processing hook adds the rest wherever a view left it out, so that a client generated from
the schema, and schemathesis' conformance check (tests/security/test_api_conformance.py), know
every status a call can answer:

- 400 where the operation takes input (a body or query parameters): field errors;
- 401 everywhere: no or expired credentials (on public routes: bad credentials in the body);
- 403: the role does not allow it; 404: not found, also a page past the last;
- 429: a throttle (Retry-After).
"""

from __future__ import annotations

from typing import Any

ERROR_COMPONENT = "Error"
# `extend_schema(extensions={COMPLETE_RESPONSES: True})`: the view lists every answer itself.
COMPLETE_RESPONSES = "x-responses-complete"
_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "code": {"type": "string", "description": "A stable code for programs (invalid, not_found, ...)."},
        "errors": {
            "type": "object",
            "additionalProperties": True,
            "description": "Field errors: field name -> messages (nested for nested fields).",
        },
    },
    "required": ["detail", "code", "errors"],
}
_DESCRIPTIONS = {
    "400": "Invalid input: `errors` names each field.",
    "401": "Not authenticated, or the credentials are wrong or expired.",
    "403": "Your role does not allow this.",
    "404": "Not found (also another user's object, and a page past the last).",
    "429": "Too many requests: retry after the `Retry-After` header's seconds.",
}
_METHODS = ("get", "put", "post", "patch", "delete")


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOKS entry: see the module docstring."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = _ERROR_SCHEMA
    ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for path_item in result.get("paths", {}).values():
        for method in _METHODS:
            operation = path_item.get(method)
            if operation is None or operation.pop(COMPLETE_RESPONSES, False):
                continue
            responses = operation.setdefault("responses", {})
            takes_input = "requestBody" in operation or any(
                p.get("in") == "query" for p in operation.get("parameters", [])
            )
            for status, description in _DESCRIPTIONS.items():
                if status in responses or (status == "400" and not takes_input):
                    continue
                content = {"application/json": {"schema": ref}}
                responses[status] = {"description": description, "content": content}
    return result
