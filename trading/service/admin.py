"""Django admin for the service part of the engine: each user's service (start and stop through
the same services as the API, so they are audited) and the task history (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from trading.runtime.models import ServiceStatus, ServiceTaskExecution
from trading.service import services as svc


class _ReadOnly(admin.ModelAdmin):
    """Written by the engine: every field read-only, no add or delete."""

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # the actions go through the services; a form would write stale state back

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(ServiceStatus)
class ServiceStatusAdmin(_ReadOnly):
    list_display = (
        "user",
        "running",
        "started_at",
        "stopped_at",
        "last_heartbeat",
        "heartbeat_age",
        "last_task_execution",
        "error_count",
        "last_error_at",
    )
    list_filter = ("running",)
    search_fields = ("user__email", "user__username")
    list_select_related = ("user",)
    ordering = ("-error_count", "user__email")
    actions = ("start_services", "stop_services", "stop_services_and_close_all")

    @admin.display(description="Heartbeat age")
    def heartbeat_age(self, status: ServiceStatus) -> str:
        if status.last_heartbeat is None:
            return "never"
        return f"{(timezone.now() - status.last_heartbeat).total_seconds():.0f} s"

    def _each(self, request: HttpRequest, queryset: QuerySet[ServiceStatus], act: Any, done: str) -> None:
        for status in queryset.select_related("user"):
            try:
                act(status.user)
            except svc.ServiceStateConflict as exc:
                self.message_user(request, f"{status.user}: {exc.detail}", messages.WARNING)
            except Exception:
                svc.logger.exception("admin service action failed for %s", status.user_id)
                self.message_user(request, f"{status.user}: failed; see the error log.", messages.ERROR)
            else:
                self.message_user(request, f"{status.user}: {done}", messages.SUCCESS)

    @admin.action(description="Start the selected services")
    def start_services(self, request: HttpRequest, queryset: QuerySet[ServiceStatus]) -> None:
        self._each(request, queryset, lambda user: svc.service_start(user=user, request=request), "started")

    @admin.action(description="Stop the selected services (positions stay open)")
    def stop_services(self, request: HttpRequest, queryset: QuerySet[ServiceStatus]) -> None:
        self._each(request, queryset, lambda user: svc.service_stop(user=user, request=request), "stopped")

    @admin.action(description="Stop the selected services and close all their positions")
    def stop_services_and_close_all(self, request: HttpRequest, queryset: QuerySet[ServiceStatus]) -> None:
        self._each(
            request,
            queryset,
            lambda user: svc.service_stop(user=user, close_all=True, request=request),
            "stopped; open positions closing",
        )


@admin.register(ServiceTaskExecution)
class ServiceTaskExecutionAdmin(_ReadOnly):
    list_display = ("started_at", "user", "task_name", "status", "duration_seconds")
    list_filter = ("status", "task_name")
    search_fields = ("user__email", "task_name")
    list_select_related = ("user",)
    date_hierarchy = "started_at"
