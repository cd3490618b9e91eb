"""service/* endpoints (reference/api.md, "Trading"); every path names the caller's own service."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from trading.service.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("service/start", views.ServiceStartView.as_view(), name="service-start"),
    path("service/stop", views.ServiceStopView.as_view(), name="service-stop"),
    path("service/status", views.ServiceStatusView.as_view(), name="service-status"),
    path("service/tasks", views.TaskExecutionList.as_view(), name="service-tasks"),
    path("service/logs", views.ServiceLogList.as_view({"get": "list"}), name="service-logs"),
    path("service/schedulable-tasks", views.SchedulableTaskList.as_view(), name="service-schedulable-tasks"),
]
