"""Request hygiene that every endpoint needs and no serializer sees."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse, JsonResponse

# Longer than any link the web app builds; proxies refuse request lines past 8 KB anyway.
MAX_QUERY_STRING = 8192


class RejectNullBytesMiddleware:
    """A NUL byte in the path or query string is never meaningful, and PostgreSQL refuses it in
    text (a 500 deep inside a query). Answer 400 up front instead. So is a query parameter whose
    %-escapes are not UTF-8 (`?search=%ED%A0%80`, an encoded surrogate): Django would quietly turn
    it into U+FFFD and search for that; refused, naming the parameter. (JSON bodies are covered
    by the API's parser, config/parsers.py.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = request.META.get("QUERY_STRING", "")
        if len(raw) > MAX_QUERY_STRING:
            # No filter needs this much; SQLite refuses a LIKE pattern past 50,000 bytes (a 500).
            return JsonResponse(
                {
                    "detail": f"The query string is longer than {MAX_QUERY_STRING} characters.",
                    "code": "invalid",
                    "errors": {},
                },
                status=400,
            )
        if "\x00" in request.path or "\x00" in unquote(raw) or "%00" in raw.lower():
            return JsonResponse(
                {"detail": "The request contains a NUL character.", "code": "invalid", "errors": {}},
                status=400,
            )
        if "%" in raw and (name := _undecodable_parameter(raw)) is not None:
            return JsonResponse(
                {
                    "detail": f"{name}: The value is not valid UTF-8 text.",
                    "code": "invalid",
                    "errors": {name: ["The value is not valid UTF-8 text."]},
                },
                status=400,
            )
        return self.get_response(request)


def _undecodable_parameter(raw: str) -> str | None:
    """The name of the first query parameter whose %-escapes do not decode as UTF-8, else None."""
    for pair in raw.split("&"):
        name, _, value = pair.partition("=")
        for part in (name, value):
            try:
                unquote(part.replace("+", " "), errors="strict")
            except UnicodeDecodeError:
                return unquote(name.replace("+", " "), errors="backslashreplace")[:80] or "query"
    return None
