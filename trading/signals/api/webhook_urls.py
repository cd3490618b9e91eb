"""`POST /api/v1/webhooks/{user_id}`, the TradingView webhook: included by config/urls.py ahead of
every other route, so the hot path is resolved by its first pattern instead of after the web
app's client routes and the rest of the API (~35 µs a request; docs/benchmarks.md, P1)."""

from django.urls import URLPattern, path

from trading.signals.api.webhook_views import WebhookView

urlpatterns: list[URLPattern] = [
    # With and without the trailing slash: people type it (api.md). Two routes rather than
    # APPEND_SLASH, which cannot redirect a POST; the schema lists the operation once.
    path("webhooks/<str:user_id>", WebhookView.as_view(), name="webhook"),
    path("webhooks/<str:user_id>/", WebhookView.as_view(schema=None)),
]
