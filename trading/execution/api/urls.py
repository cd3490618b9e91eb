"""Execution endpoints (reference/api.md, "Trading")."""

from rest_framework.routers import SimpleRouter

from trading.execution.api import views

router = SimpleRouter(trailing_slash=False)
# The same prefix and basename as the positions' reads: the route is `position-close`.
router.register("positions", views.PositionCloseViewSet, basename="position")

urlpatterns = router.urls
