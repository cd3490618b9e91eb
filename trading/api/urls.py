from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("dca-configs", views.DCAConfigViewSet, basename="dca-config")

urlpatterns = [
    *router.urls,
    path("", include("trading.api.urls_signals")),
    path("", include("trading.api.urls_positions")),
    path("", include("trading.api.urls_config")),
    path("", include("trading.api.urls_queue")),
    path("", include("trading.api.urls_risk")),
    path("", include("trading.api.urls_service")),
]
