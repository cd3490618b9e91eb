from django.urls import include, path

urlpatterns = [
    path("", include("ops.backups.api.urls")),
    path("", include("ops.monitoring.api.urls")),
]
