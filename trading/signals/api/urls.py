"""signals endpoints (reference/api.md, "Trading"): the Webhook setup page and the signals log."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from trading.signals.api import setup_views
from trading.signals.api import views as signal_views

router = SimpleRouter(trailing_slash=False)
router.register("signals", signal_views.SignalViewSet, basename="signal")

urlpatterns: list[URLPattern | URLResolver] = [
    # POST webhooks/{user_id} is in webhook_urls.py, which config/urls.py resolves first.
    # The Webhook setup page (accounts owns the secret; the templates need trading's accounts and
    # configurations, so the page's endpoints live here).
    path("webhook-secret", setup_views.WebhookSecretView.as_view(), name="webhook-secret"),
    path(
        "webhook-secret/rotate", setup_views.WebhookSecretRotateView.as_view(), name="webhook-secret-rotate"
    ),
    path("webhook-templates", setup_views.AlertTemplatesView.as_view(), name="webhook-templates"),
    path("webhook-templates/test", setup_views.AlertTestView.as_view(), name="webhook-templates-test"),
    *router.urls,
]
