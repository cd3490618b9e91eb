"""The admin base for rows the engine owns (signals, positions, orders, fills, risk actions,
queue entries): view-only, with actions that call the same services as the API.

The engine writes those rows from workers, under row locks. Saving one from a form would write
back every field as it was when the page loaded, over whatever a worker changed since; so every
field is read-only, and admins act through the actions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from config.admin_readonly import ReadOnlyAdmin

logger = logging.getLogger(__name__)


class EngineOwnedAdmin(ReadOnlyAdmin):
    """View-only: every field read-only, no add, change or delete (see the module docstring)."""

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any],
        act: Callable[[Any], Any],
        *,
        done: str,
    ) -> None:
        """Run `act` on every selected row; one message per row, and a refusal or a failure on
        one row is reported and does not stop the others (nor become a 500)."""
        for obj in queryset:
            try:
                act(obj)
            except ValidationError as exc:
                self.message_user(request, f"{obj}: {' '.join(exc.messages)}", messages.WARNING)
            except Exception:
                logger.exception("admin action failed on %s %s", type(obj).__name__, obj.pk)
                self.message_user(request, f"{obj}: failed; see the error log.", messages.ERROR)
            else:
                self.message_user(request, f"{obj}: {done}", messages.SUCCESS)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return list(self.fields or ())

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
