from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.views import reset_password_page
from brokers.admin_kotak_simulator import kotak_simulator_urls
from brokers.admin_simulator import simulator_urls
from config import health, metrics

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("auditlog.api.urls")),
    path("", include("brokers.api.urls")),
    path("market-data/", include("brokers.marketdata.urls")),
    path("market/", include("brokers.api.market_urls")),
    path("", include("trading.urls")),
    path("", include("mlops.urls")),
    path("", include("notifications.urls")),
    path("", include("ops.urls")),
    path("health", health.HealthView.as_view(), name="health"),
    path("health/detail", health.HealthDetailView.as_view(), name="health-detail"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's script from a URL, so the CSP needs no 'unsafe-inline'.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
]

urlpatterns = [
    # The TradingView webhook, the one hot path, before everything else (docs/benchmarks.md, P1).
    path("api/v1/", include("trading.signals.api.webhook_urls")),
    # The web app at `/` and its client routes (config/spa.py).
    path("", include("config.spa")),
    path("reset-password", reset_password_page, name="reset-password"),
    path("api/v1/", include(api_v1)),
    # Admin pages that belong to no model (the exchange simulator), before the admin's catch-all.
    path("admin/", include(simulator_urls())),
    path("admin/", include(kotak_simulator_urls())),
    path("admin/", admin.site.urls),
    path("metrics", metrics.metrics_view, name="metrics"),
]

handler404 = "config.api.errors.json_404"
handler500 = "config.api.errors.json_500"
