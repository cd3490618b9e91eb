"""The notifications API under /api/v1/ (reference/api.md, "Notifications"): the user's own
notifications and preferences, a test per channel, the Telegram link code, and the webhook the
Telegram bot calls. Every read is scoped to request.user: another user's notification is a 404."""

from __future__ import annotations

import hmac
import logging
from typing import Any, NoReturn

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsViewer
from config.api.errors import Conflict
from notifications import serializers as s
from notifications import types as catalogue
from notifications.models import Notification
from notifications.services.errors import NotificationConflict
from notifications.services.inbox import (
    notification_read,
    notifications_for,
    notifications_read_all,
    unread_count,
)
from notifications.services.preferences import preferences_for, preferences_update, preferences_view
from notifications.services.telegram_link import telegram_link_start, telegram_update_handle
from notifications.services.test_send import notification_test_send

logger = logging.getLogger(__name__)

TRUE = frozenset({"1", "true", "yes", "on"})


def _conflict(exc: NotificationConflict) -> NoReturn:
    raise Conflict(exc.message, code=exc.code) from exc


class UserView(APIView):
    permission_classes = (IsViewer,)


class NotificationListView(UserView, generics.ListAPIView):
    serializer_class = s.NotificationSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Notification.objects.none()
        params = self.request.query_params
        return notifications_for(
            user=self.request.user,
            unread_only=params.get("unread_only", "").lower() in TRUE,
            type=params.get("type", "")[:32],
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("unread_only", bool, description="Only notifications not read yet"),
            OpenApiParameter("type", str, description="Only this type (see the preferences' catalogue)"),
        ],
        summary="Your notifications, newest first",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class NotificationReadView(UserView):
    @extend_schema(
        request=None, responses={200: s.NotificationSerializer}, summary="Mark a notification read"
    )
    def post(self, request: Request, pk: Any) -> Response:
        notification = get_object_or_404(Notification, pk=pk, user=request.user)
        return Response(s.NotificationSerializer(notification_read(notification=notification)).data)


class NotificationReadAllView(UserView):
    @extend_schema(
        request=None, responses={200: s.MarkedSerializer}, summary="Mark all your notifications read"
    )
    def post(self, request: Request) -> Response:
        return Response({"marked": notifications_read_all(user=request.user)})


class UnreadCountView(UserView):
    @extend_schema(
        responses={200: s.UnreadCountSerializer}, summary="How many notifications you have not read"
    )
    def get(self, request: Request) -> Response:
        return Response({"unread": unread_count(request.user.pk)})


class PreferencesView(UserView):
    def _answer(self, prefs: Any) -> Response:
        return Response({**preferences_view(prefs), "catalogue": catalogue.catalogue_rows()})

    @extend_schema(responses={200: s.PreferencesSerializer}, summary="Your notification preferences")
    def get(self, request: Request) -> Response:
        return self._answer(preferences_for(request.user))

    @extend_schema(
        request=s.PreferencesInputSerializer,
        responses={200: s.PreferencesSerializer},
        summary="Change your notification preferences (the fields sent; all or nothing, audited)",
    )
    def put(self, request: Request) -> Response:
        return self._answer(preferences_update(user=request.user, payload=request.data, request=request))


class TestView(UserView):
    @extend_schema(
        request=s.TestRequestSerializer,
        responses={
            202: s.TestResultSerializer,
            409: OpenApiResponse(
                description="The channel is not set up (email_disabled, telegram_not_configured, "
                "telegram_not_linked, telegram_disabled)"
            ),
        },
        summary="Send a test notification on one channel now",
    )
    def post(self, request: Request) -> Response:
        body = s.TestRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            notification_test_send(user=request.user, channel=body.validated_data["channel"])
        except NotificationConflict as exc:
            _conflict(exc)
        return Response({"sent": True}, status=status.HTTP_202_ACCEPTED)


class TelegramLinkView(UserView):
    @extend_schema(
        request=None,
        responses={
            201: s.TelegramLinkSerializer,
            409: OpenApiResponse(
                description="Telegram is not configured on this server (telegram_not_configured)"
            ),
        },
        summary="A one-time code to link a Telegram chat: send `/start <code>` to the bot",
    )
    def post(self, request: Request) -> Response:
        try:
            link = telegram_link_start(user=request.user, request=request)
        except NotificationConflict as exc:
            _conflict(exc)
        body = {"code": link.code, "expires_at": link.expires_at, "bot_url": link.bot_url}
        return Response(s.TelegramLinkSerializer(body).data, status=status.HTTP_201_CREATED)


class TelegramWebhookView(APIView):
    """Called by Telegram, not by users: the secret in the path is the authentication. Answers
    200 to every update it accepted (Telegram would retry anything else), 404 to a wrong secret."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        request=None,
        responses={200: None, 404: OpenApiResponse(description="Wrong secret, or the webhook is off")},
        summary="The Telegram bot's webhook (Telegram calls it; `/start <code>` links a chat)",
    )
    def post(self, request: Request, secret: str) -> Response:
        expected = settings.TELEGRAM_WEBHOOK_SECRET
        if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
            raise Http404
        try:
            telegram_update_handle(request.data)
        except Exception:
            # Telegram would send the same update again and again; one bad update is logged once.
            logger.exception("could not handle a Telegram update")
        return Response({"ok": True})
