"""Notifications in Django admin: read-only (workers and the owners' API write them); failed
deliveries can be sent again once whatever refused them is fixed."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from config.admin_readonly import ReadOnlyAdmin
from notifications.models import Notification, NotificationDelivery, NotificationPreference
from notifications.services.delivery import deliveries_retry


class DeliveryInline(admin.TabularInline):
    model = NotificationDelivery
    fields = ("channel", "state", "attempts", "last_error", "next_attempt_at", "sent_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "type", "level", "title", "read_at")
    list_filter = ("level", "type")
    search_fields = ("id", "title", "user__email", "group_key")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    inlines = (DeliveryInline,)


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "notification",
        "channel",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("state", "channel")
    search_fields = ("notification__id", "notification__user__email", "batch_key")
    list_select_related = ("notification",)
    raw_id_fields = ("notification",)
    actions = ("retry",)

    @admin.action(description="Send again (failed deliveries get a fresh set of attempts)")
    def retry(self, request: HttpRequest, queryset: QuerySet[NotificationDelivery]) -> None:
        count = deliveries_retry(delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} failed deliveries queued again.", messages.SUCCESS)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdmin):
    list_display = (
        "user",
        "email_enabled",
        "telegram_enabled",
        "timezone",
        "quiet_hours_start",
        "quiet_hours_end",
    )
    list_filter = ("email_enabled", "telegram_enabled")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    # Everything but the pending link code's digest.
    fields = (
        "user",
        "email_enabled",
        "email_address",
        "telegram_enabled",
        "telegram_chat_id",
        "telegram_link_expires_at",
        "types",
        "min_level_in_app",
        "min_level_email",
        "min_level_telegram",
        "quiet_hours_start",
        "quiet_hours_end",
        "timezone",
        "critical_through_quiet",
        "daily_summary_time",
        "last_summary_on",
        "updated_at",
    )
