"""The Webhook setup page's API: `GET webhook-secret` (+ rotate), `GET webhook-templates` and
`POST webhook-templates/test`.

The test alert goes through the public webhook itself: the filled message is posted, as
TradingView's `text/plain`, to the view that serves `POST /api/v1/webhooks/{user_id}`, resolved
from that URL, in this process. Same parsing, secret check, rate limit and ingest as a real
alert; no HTTP round trip to ourselves (a server with one worker would wait on itself)."""

from __future__ import annotations

import io
import json
from typing import Any

from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.urls import get_script_prefix, resolve, reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import services as account_services
from accounts.models import User
from accounts.permissions import IsTrader
from config.request_meta import client_ip
from trading.signals.alert_setup import AlertSetup, alert_filled, alert_setup
from trading.signals.api import setup_serializers as s
from trading.signals.api.serializers import SignalSerializer
from trading.signals.models import Signal


class TradesByWebhook(IsTrader):
    """The trader role. Anyone else is told why there is nothing here: a viewer's webhook refuses
    alerts (403 role_not_allowed), and the page is where a demoted trader looks first."""

    code = "role_not_allowed"

    def has_permission(self, request: Request, view: Any) -> bool:
        if super().has_permission(request, view):
            return True
        if request.user and request.user.is_authenticated:
            self.message = (
                f"Your role ({request.user.role}) does not trade, so your webhook refuses alerts "
                "(403 role_not_allowed) and this page has no secret for you. When an admin gives you "
                "the trader role, it shows a new one: the secret is replaced when a trader becomes a "
                "viewer, so alerts made before never trade again."
            )
        return False


def _setup(user: User, data: dict[str, Any]) -> AlertSetup:
    return alert_setup(
        user=user,
        account_id=data.get("account"),
        dca_config_id=data.get("dca_config"),
        sizing=data.get("sizing"),
        amount=data.get("amount"),
    )


class WebhookSecretView(generics.GenericAPIView):
    """The URL and secret to paste into TradingView, with the strategy alert's message for your
    first account and DCA configuration (`GET webhook-templates` builds every message for any)."""

    permission_classes = (TradesByWebhook,)
    serializer_class = s.WebhookSecretSerializer

    def _body(self, user: User) -> dict[str, Any]:
        setup = alert_setup(user=user)
        return {
            "url": setup.url,
            "secret": setup.secret,
            "rotated_at": user.webhook_secret_rotated_at,
            "template": setup.template("strategy"),
        }

    @extend_schema(summary="Your webhook URL, secret and alert template")
    def get(self, request: Request) -> Response:
        return Response(self._body(request.user))


class WebhookSecretRotateView(WebhookSecretView):
    http_method_names = ("post", "options")

    @extend_schema(request=None, summary="Rotate your webhook secret (old alerts stop working)")
    def post(self, request: Request) -> Response:
        account_services.webhook_secret_rotate(user=request.user, request=request)
        return Response(self._body(request.user))


class AlertTemplatesView(generics.GenericAPIView):
    permission_classes = (TradesByWebhook,)
    serializer_class = s.AlertSetupSerializer

    @extend_schema(
        parameters=[s.AlertSetupQuerySerializer],
        summary="The entry and exit alert messages for one of your accounts and DCA configurations",
    )
    def get(self, request: Request) -> Response:
        query = s.AlertSetupQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        setup = _setup(request.user, dict(query.validated_data))
        return Response(s.AlertSetupSerializer(s.AlertSetupSerializer.body(setup)).data)


class AlertTestView(generics.GenericAPIView):
    permission_classes = (TradesByWebhook,)
    serializer_class = s.AlertTestSerializer

    @extend_schema(
        request=s.AlertTestSerializer,
        responses={
            200: OpenApiResponse(
                s.AlertTestResultSerializer,
                description="The webhook answered (accepted or refused: see http_status and response)",
            )
        },
        summary="Send a test alert: the filled template through your public webhook",
    )
    def post(self, request: Request) -> Response:
        form = s.AlertTestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        setup = _setup(request.user, data)
        body = alert_filled(setup, kind=data["template"], closing=data["closing"], now=timezone.now())
        answer = _post_to_webhook(request, body)
        try:
            payload = json.loads(answer.content or b"{}")
        except ValueError:
            payload = {"detail": answer.content.decode(errors="replace")[:500]}
        signal = Signal.objects.filter(user=request.user, pk=payload.get("signal_id")).first()
        result = {
            "template": data["template"],
            "closing": data["closing"],
            "sent": {**body, "secret": "***"},
            "http_status": answer.status_code,
            "response": payload,
            "signal": SignalSerializer(signal).data if signal else None,
        }
        return Response(result)


def _post_to_webhook(request: Request, body: dict[str, Any]) -> HttpResponse:
    raw = json.dumps(body).encode()
    # The path as resolve() sees it: without the prefix the app may be mounted under.
    path = "/" + reverse("webhook", args=[request.user.pk]).removeprefix(get_script_prefix())
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "text/plain; charset=utf-8",
        "CONTENT_LENGTH": str(len(raw)),
        "SERVER_NAME": request.get_host().split(":")[0] or "localhost",
        "SERVER_PORT": "443" if request.is_secure() else "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": client_ip(request),
        "HTTP_USER_AGENT": "Tradefleet test alert",
        "wsgi.input": io.BytesIO(raw),
        "wsgi.url_scheme": "https" if request.is_secure() else "http",
    }
    match = resolve(path)
    response = match.func(WSGIRequest(environ), *match.args, **match.kwargs)
    render = getattr(response, "render", None)
    if callable(render):  # a DRF/template response renders lazily
        render()
    return response
