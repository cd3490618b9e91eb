"""positions endpoints (reference/api.md, "Trading")."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from trading.positions.api import views

router = SimpleRouter(trailing_slash=False)
router.register("positions", views.PositionViewSet, basename="position")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("performance", views.PerformanceView.as_view(), name="performance"),
    path("unknown-orders", views.UnknownOrderList.as_view(), name="unknown-order-list"),
]
