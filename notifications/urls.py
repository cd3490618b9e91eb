"""notifications* and notification-preferences endpoints (included under /api/v1/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from notifications import api

urlpatterns: list[URLPattern] = [
    path("notifications", api.NotificationListView.as_view(), name="notifications"),
    path("notifications/unread-count", api.UnreadCountView.as_view(), name="notifications-unread-count"),
    path("notifications/read-all", api.NotificationReadAllView.as_view(), name="notifications-read-all"),
    path("notifications/test", api.TestView.as_view(), name="notifications-test"),
    path("notifications/telegram/link", api.TelegramLinkView.as_view(), name="notifications-telegram-link"),
    path(
        "notifications/telegram/webhook/<str:secret>",
        api.TelegramWebhookView.as_view(),
        name="notifications-telegram-webhook",
    ),
    path("notifications/<uuid:pk>/read", api.NotificationReadView.as_view(), name="notification-read"),
    path("notification-preferences", api.PreferencesView.as_view(), name="notification-preferences"),
]
