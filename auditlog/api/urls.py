from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("audit", views.AuditLogViewSet, basename="audit")

urlpatterns = [*router.urls, path("", include("auditlog.api.urls_logs"))]
