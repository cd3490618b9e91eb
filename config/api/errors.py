"""One JSON error shape for the whole API: `{"detail": str, "code": str, "errors": {field: [..]}}`."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    """409: the object is in a state that does not allow this (`code` says which)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "This cannot be done in the object's current state."
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    """413: a body over DATA_UPLOAD_MAX_MEMORY_SIZE, which Django refuses to read."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def _flatten(detail: Any) -> Any:
    """ErrorDetail trees to plain lists of strings, keeping the field nesting."""
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [str(item) for item in detail]
        return [_flatten(item) for item in detail]
    return [str(detail)]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        # Services raise Django's ValidationError; answer it like a serializer's.
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()  # else Django's plain-HTML 400
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # Django turns it into a 500; handler500 below keeps that JSON too.
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        first = next(iter(_flatten(errors).items()), None)
        detail = "Invalid input."
        if first is not None:
            field, messages = first
            message = messages[0] if isinstance(messages, list) and messages else messages
            if isinstance(message, str):
                detail = message if field == "non_field_errors" else f"{field}: {message}"
        response.data = {"detail": detail, "code": "invalid", "errors": _flatten(errors)}
    else:
        # DRF answers Django's Http404 and PermissionDenied as its own NotFound/PermissionDenied.
        if isinstance(exc, Http404):
            exc = exceptions.NotFound()
        elif isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied()
        detail = getattr(exc, "detail", str(exc))
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        if isinstance(detail, dict):
            code = str(detail.get("code", code))
            detail = detail.get("detail", detail)
        response.data = {"detail": str(detail), "code": code, "errors": {}}
    return response


def json_404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": "Not found.", "code": "not_found", "errors": {}}, status=404)


def json_500(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {"detail": "Internal server error.", "code": "server_error", "errors": {}},
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
