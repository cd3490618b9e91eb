"""trading-config endpoints (reference/api.md, "Trading"); the path names the caller's own."""

from django.urls import URLPattern, URLResolver, path

from trading.settings.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("trading-config", views.TradingConfigView.as_view(), name="trading-config"),
    path("trading-config/reset", views.TradingConfigResetView.as_view(), name="trading-config-reset"),
    path("trading-config/presets", views.PresetListView.as_view(), name="trading-config-presets"),
    path(
        "trading-config/presets/<str:name>/apply",
        views.PresetApplyView.as_view(),
        name="trading-config-preset-apply",
    ),
]
