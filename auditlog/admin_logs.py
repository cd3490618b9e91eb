from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .models_logs import ErrorLog, ServiceLog
from .services_logs import error_resolve


@admin.register(ServiceLog)
class ServiceLogAdmin(admin.ModelAdmin):
    """Read-only: service log entries are written by the logging handler."""

    list_display = ("timestamp", "level", "category", "user", "module", "message")
    list_filter = ("level", "category", "timestamp")
    search_fields = ("message", "module", "user__email")
    date_hierarchy = "timestamp"
    list_select_related = ("user",)
    readonly_fields = [f.name for f in ServiceLog._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ServiceLog | None = None) -> bool:
        return False


@admin.register(ErrorLog)
class ErrorLogAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "last_seen_at",
        "count",
        "error_type",
        "user",
        "message",
        "resolved",
        "resolved_by",
    )
    list_filter = ("resolved", "created_at", "error_type")
    search_fields = ("error_type", "message", "user__email")
    date_hierarchy = "created_at"
    list_select_related = ("user", "resolved_by")
    readonly_fields = [f.name for f in ErrorLog._meta.fields if f.name != "resolution_notes"]
    actions = ("resolve",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Resolve the selected errors")
    def resolve(self, request: HttpRequest, queryset: QuerySet[ErrorLog]) -> None:
        count = 0
        for error in queryset.filter(resolved=False):
            error_resolve(error=error, by=request.user, notes="Resolved from the admin.")
            count += 1
        self.message_user(request, f"{count} error(s) resolved.", messages.SUCCESS)
