"""Django admin for the execution queue: view-only rows (the engine writes them under the user's
queue lock), with promote and remove actions that go through the same audited services as the API."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from trading.queue.models import QueueEntry, QueueStatus
from trading.queue.services.actions import queue_entry_promote, queue_entry_remove
from trading.runtime.admin_base import EngineOwnedAdmin


@admin.register(QueueEntry)
class QueueEntryAdmin(EngineOwnedAdmin):
    list_display = (
        "user",
        "symbol",
        "timeframe",
        "side",
        "rank",
        "priority_rule",
        "replacement_count",
        "status",
        "queued_at",
        "promoted_by",
    )
    list_filter = ("status", "priority_rule", "exchange", "is_pyramid_continuation", "promoted_by")
    search_fields = ("symbol", "user__email", "user__username", "=id", "=signal__id")
    list_select_related = ("user",)
    date_hierarchy = "queued_at"
    ordering = ("user", "status", "rank", "queued_at")
    actions = ("promote_selected", "remove_selected")

    @admin.action(description="Promote selected entries now (into a free pool slot)")
    def promote_selected(self, request: HttpRequest, queryset: QuerySet[QueueEntry]) -> None:
        def promote(entry: QueueEntry) -> None:
            done = queue_entry_promote(
                user=entry.user, entry_id=entry.pk, actor=request.user, request=request
            )
            if done.status != QueueStatus.PROMOTED:  # tried and failed: shown as a refusal
                raise ValidationError(f"could not open: {done.reason}")

        self._each(request, queryset.select_related("user"), promote, done="promoted: its group is opening.")

    @admin.action(description="Remove selected entries from the queue")
    def remove_selected(self, request: HttpRequest, queryset: QuerySet[QueueEntry]) -> None:
        self._each(
            request,
            queryset.select_related("user"),
            lambda entry: queue_entry_remove(
                user=entry.user, entry_id=entry.pk, actor=request.user, request=request
            ),
            done="removed from the queue.",
        )
