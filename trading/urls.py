"""The trading API: each domain subpackage serves its own routes (docs/architecture.md)."""

from django.urls import include, path

urlpatterns = [
    path("", include("trading.dca.api.urls")),
    path("", include("trading.signals.api.urls")),
    path("", include("trading.positions.api.urls")),
    path("", include("trading.execution.api.urls")),
    path("", include("trading.settings.api.urls")),
    path("", include("trading.queue.api.urls")),
    path("", include("trading.risk.api.urls")),
    path("", include("trading.service.api.urls")),
    path("", include("trading.equities.api.urls")),
]
