from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is written by the services, never edited by hand."""

    list_display = ("created_at", "actor_label", "action", "resource_type", "resource_id", "ip")
    list_filter = ("action", "resource_type", "created_at")
    search_fields = ("actor_label", "action", "resource_id", "ip", "owner__email")
    date_hierarchy = "created_at"
    list_select_related = ("actor", "owner")
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False


from . import admin_logs  # noqa: E402,F401  registers ServiceLog and ErrorLog admins
