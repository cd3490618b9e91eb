from django.urls import path

from . import api

urlpatterns = [
    path("me/export", api.ExportStartView.as_view(), name="me-export"),
    path("me/exports", api.ExportListView.as_view(), name="me-exports"),
    path("me/exports/<uuid:pk>", api.ExportDetailView.as_view(), name="me-export-detail"),
    path("me/exports/<uuid:pk>/download", api.ExportDownloadView.as_view(), name="me-export-download"),
]
