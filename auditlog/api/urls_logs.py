from django.urls import path

from . import logs_views as views

errors_list = views.ErrorLogViewSet.as_view({"get": "list"})
errors_detail = views.ErrorLogViewSet.as_view({"get": "retrieve"})
errors_resolve = views.ErrorLogViewSet.as_view({"post": "resolve"})

urlpatterns = [
    path("logs", views.ServiceLogViewSet.as_view({"get": "list"}), name="logs"),
    path("logs/errors", errors_list, name="log-errors"),
    path("logs/errors/<int:pk>", errors_detail, name="log-error"),
    path("logs/errors/<int:pk>/resolve", errors_resolve, name="log-error-resolve"),
    path("logs/export", views.LogExportView.as_view(), name="logs-export"),
    path("logs/system/<int:days_old>", views.LogDeleteOlderThanView.as_view(), name="logs-delete-older"),
]
