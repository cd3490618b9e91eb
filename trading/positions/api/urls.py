"""positions endpoints (reference/api.md, "Trading")."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from trading.positions.api import config_stats, views, views_deals

router = SimpleRouter(trailing_slash=False)
router.register("positions", views.PositionViewSet, basename="position")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("performance", views.PerformanceView.as_view(), name="performance"),
    path("deals", views_deals.DealList.as_view(), name="deal-list"),
    path("deals.csv", views_deals.DealCsv.as_view(), name="deal-csv"),
    path("deals/totals", views_deals.DealTotalsView.as_view(), name="deal-totals"),
    path("unknown-orders", views.UnknownOrderList.as_view(), name="unknown-order-list"),
    path("dca-configs/stats", config_stats.DCAConfigStatsListView.as_view(), name="dca-config-stats-list"),
    path(
        "dca-configs/<uuid:pk>/stats",
        config_stats.DCAConfigStatsView.as_view(),
        name="dca-config-stats",
    ),
]
