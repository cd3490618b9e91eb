"""Request hygiene that every endpoint needs and no serializer sees."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse, JsonResponse


class RejectNullBytesMiddleware:
    """A NUL byte in the path or query string is never meaningful, and PostgreSQL refuses it in
    text (a 500 deep inside a query). Answer 400 up front instead. (JSON bodies are covered by
    DRF's CharField, which refuses NUL characters itself.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "\x00" in unquote(raw) or "%00" in raw.lower():
            return JsonResponse(
                {"detail": "The request contains a NUL character.", "code": "invalid", "errors": {}},
                status=400,
            )
        return self.get_response(request)
