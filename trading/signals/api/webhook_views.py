"""POST /api/v1/webhooks/{user_id}: TradingView alerts (reference/api.md, "Trading").

A plain Django view, not DRF: public (the secret is in the body), no CSRF (TradingView posts
cross-site by design), no JWT, and none of the per-IP throttles of the user API, which every
TradingView customer would share. It also skips DRF's request wrapping and content negotiation,
measurable on this path (docs/benchmarks.md, P1).
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.request_meta import client_ip
from trading.signals.services import (
    SignalRefused,
    WebhookUnauthorized,
    signal_ingest,
    signal_reject_unparsable,
    webhook_authenticate,
)
from trading.signals.webhook import MAX_BODY_BYTES, SignalRejected, decode_body


def _error(
    http_status: int, *, detail: str, code: str, field: str | None = None, **extra: object
) -> JsonResponse:
    errors = {field: [detail]} if field else {}
    return JsonResponse(
        {"detail": f"{field}: {detail}" if field else detail, "code": code, "errors": errors, **extra},
        status=http_status,
    )


def _read_body(request: HttpRequest) -> bytes:
    """At most MAX_BODY_BYTES + 1 bytes: enough to tell "too large" without reading megabytes."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return request.read(MAX_BODY_BYTES + 1)
    return request.body


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, user_id: str) -> JsonResponse:
    raw = _read_body(request)
    try:
        body = decode_body(raw)
    except SignalRejected as exc:
        signal_id = signal_reject_unparsable(user_id=user_id, raw=raw, rejection=exc)
        extra = {"signal_id": str(signal_id)} if signal_id else {}
        return _error(400, detail=exc.reason, code=exc.code, field=exc.field, **extra)
    try:
        user = webhook_authenticate(user_id=user_id, body=body, ip=client_ip(request))
    except WebhookUnauthorized as exc:
        return _error(401, detail=exc.detail, code="authentication_failed")
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
    return JsonResponse(
        {
            "signal_id": str(result.signal_id),
            "status": result.status,
            "classification": result.classification,
        },
        status=202 if result.created else 200,
    )
