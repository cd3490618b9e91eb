"""signals endpoints (reference/api.md, "Trading"): the TradingView webhook and the signals log."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from trading.signals.api import views as signal_views
from trading.signals.api import webhook_views

router = SimpleRouter(trailing_slash=False)
router.register("signals", signal_views.SignalViewSet, basename="signal")

urlpatterns: list[URLPattern | URLResolver] = [
    # With and without the trailing slash: people type it (api.md). Two routes rather than
    # APPEND_SLASH, which cannot redirect a POST.
    path("webhooks/<str:user_id>", webhook_views.webhook, name="webhook"),
    path("webhooks/<str:user_id>/", webhook_views.webhook),
    *router.urls,
]
