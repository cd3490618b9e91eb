from rest_framework.routers import SimpleRouter

from trading.dca.api import views

router = SimpleRouter(trailing_slash=False)
router.register("dca-configs", views.DCAConfigViewSet, basename="dca-config")

urlpatterns = router.urls
