"""POST /api/v1/webhooks/{user_id}: TradingView alerts (reference/api.md, "Trading").

A DRF view so that it is in the OpenAPI schema (webhook_schema.py), but with DRF reduced to what
a public, hot endpoint needs (docs/benchmarks.md, P1):
- public: the secret is in the body. No JWT or session authentication, no CSRF (TradingView posts
  cross-site by design), no permission, and none of the per-IP or per-user throttles of the user
  API, which every TradingView customer would share behind TradingView's addresses. Instead a
  per-user rate limit, taken once the secret matched (trading/signals/rate_limit.py): 429 with
  Retry-After; wrong secrets past their own limits answer 429 too, and a role that does not trade
  403 (trading/signals/authentication.py);
- one parser that hands over the raw bytes, at most MAX_BODY_BYTES + 1 (enough to tell "too
  large" without reading megabytes), whatever the content type: TradingView sends text/plain,
  other senders application/json or nothing. The JSON is decoded by webhook.decode_body, so a
  bad body is a 400 naming `body` and the alert's own refusals name their field;
- one renderer (JSON, the bytes the plain Django view wrote) and no content negotiation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import IO, Any

from django.http import HttpRequest
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Empty, Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.request_meta import client_ip
from trading.signals.api.webhook_schema import webhook_operation
from trading.signals.authentication import (
    WebhookForbidden,
    WebhookUnauthorized,
    webhook_authenticate,
    webhook_authorize,
)
from trading.signals.rate_limit import WebhookRateLimited, webhook_admit
from trading.signals.services import SignalRefused, signal_ingest, signal_reject_unparsable
from trading.signals.storable import safe_rejection, unstorable_field
from trading.signals.webhook import MAX_BODY_BYTES, SignalRejected, decode_body


class RawBodyParser(BaseParser):
    """The body as bytes, at most MAX_BODY_BYTES + 1 of them."""

    media_type = "text/plain"

    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return stream.read(MAX_BODY_BYTES + 1)


class JSONBytesRenderer(BaseRenderer):
    """`json.dumps` as Django's JsonResponse writes it; the answers are flat dicts of strings."""

    media_type = "application/json"
    format = "json"
    charset = None

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return b"" if data is None else json.dumps(data).encode()


class OnlyChoice(BaseContentNegotiation):
    """The view's one parser and one renderer, whatever Content-Type and Accept say."""

    def select_parser(self, request: Request, parsers: Sequence[BaseParser]) -> BaseParser:
        return parsers[0]

    def select_renderer(
        self, request: Request, renderers: Sequence[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


class _BodyRequest(Request):
    """DRF's request without one step: a form-typed body (curl's default) is not copied onto
    Django's `request.POST`, where these bytes would stand in for a form."""

    def _load_data_and_files(self) -> None:
        if self._data is Empty:
            self._data, self._files = self._parse()
            self._full_data = self._data


def _error(
    http_status: int,
    *,
    detail: str,
    code: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: object,
) -> Response:
    errors = {field: [detail]} if field else {}
    return Response(
        {"detail": f"{field}: {detail}" if field else detail, "code": code, "errors": errors, **extra},
        status=http_status,
        headers=headers,
    )


class WebhookView(APIView):
    authentication_classes = ()
    permission_classes = ()
    throttle_classes = ()
    parser_classes = (RawBodyParser,)
    renderer_classes = (JSONBytesRenderer,)
    content_negotiation_class = OnlyChoice
    http_method_names = ("post",)

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        return _BodyRequest(
            request,
            parsers=self.get_parsers(),
            negotiator=self.get_content_negotiator(),
            parser_context=self.get_parser_context(request),
        )

    def perform_authentication(self, request: Request) -> None:
        """Nobody logs in here (DRF would otherwise make an AnonymousUser on every request)."""

    @webhook_operation
    def post(self, request: Request, user_id: str) -> Response:
        data = request.data
        raw = data if isinstance(data, bytes) else b""  # no body at all: DRF hands over {}
        try:
            body = decode_body(raw)
        except SignalRejected as exc:
            return self._unparsable(user_id, raw, exc)
        try:
            user = webhook_authenticate(user_id=user_id, body=body, ip=client_ip(request))
        except WebhookUnauthorized as exc:
            return _error(401, detail=exc.detail, code="authentication_failed")
        except WebhookRateLimited as exc:  # wrong secrets past the limits (rate_limit.py)
            return _rate_limited(exc)
        unstorable = unstorable_field(raw, body)
        if unstorable is not None:  # kept like a broken paste: the raw bytes hold only escapes
            return self._unparsable(user_id, raw, unstorable)
        try:
            webhook_admit(user_id=str(user.pk))  # the canonical id: one bucket per user
            webhook_authorize(user=user, request=request)  # after the limit: its audit rows are bounded
        except WebhookRateLimited as exc:
            return _rate_limited(exc)
        except WebhookForbidden as exc:
            return _error(403, detail=str(exc), code=exc.code)
        try:
            result = signal_ingest(user=user, body=body)
        except SignalRefused as exc:
            return _error(
                exc.http_status,
                detail=exc.reason,
                code=exc.code,
                field=exc.field,
                signal_id=str(exc.signal_id) if exc.signal_id else None,
                status="rejected",
            )
        return Response(
            {
                "signal_id": str(result.signal_id),
                "status": result.status,
                "classification": result.classification,
            },
            status=result.http_status,  # 202 until the engine acted on it (services.py)
        )

    def _unparsable(self, user_id: str, raw: bytes, exc: SignalRejected) -> Response:
        exc = safe_rejection(exc)  # a key twice is named as sent, and may hold a NUL
        try:
            signal_id = signal_reject_unparsable(user_id=user_id, raw=raw, rejection=exc)
        except WebhookRateLimited as limited:
            return _rate_limited(limited)
        extra = {"signal_id": str(signal_id)} if signal_id else {}
        return _error(400, detail=exc.reason, code=exc.code, field=exc.field, **extra)


def _rate_limited(exc: WebhookRateLimited) -> Response:
    return _error(429, detail=str(exc), code=exc.code, headers={"Retry-After": str(exc.retry_after)})
