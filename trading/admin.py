"""Django admin for trading: DCA configurations, and a read-only view of what the engine owns.

Signals, position groups, orders, fills and unknown exchange orders are written by the engine
(workers, under row locks). Saving one of those rows from a form would write back every field as
it was when the page loaded, over whatever a worker changed since; so they are view-only here,
and admins act through the actions, which call the same services as the API."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from .models import DCAConfig
from .models_positions import DCAOrder, Fill, PositionGroup, Pyramid, UnknownExchangeOrder
from .models_signals import Signal

logger = logging.getLogger(__name__)


@admin.register(DCAConfig)
class DCAConfigAdmin(admin.ModelAdmin):
    list_display = ("user", "exchange", "account", "symbol", "timeframe", "form", "tp_mode", "updated_at")
    list_filter = ("exchange", "form", "tp_mode", "entry_order_type")
    search_fields = ("user__email", "user__username", "symbol", "exchange")
    list_select_related = ("user", "account", "account__user")
    raw_id_fields = ("user", "account")
    readonly_fields = ("created_at", "updated_at")


class EngineOwnedAdmin(admin.ModelAdmin):
    """View-only: every field read-only, no add, change or delete (see the module docstring)."""

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

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


@admin.register(Signal)
class SignalAdmin(EngineOwnedAdmin):
    """Every webhook received. `raw_body` is stored with the secret masked; `parsed` never holds it."""

    list_display = (
        "received_at",
        "user",
        "exchange",
        "symbol",
        "timeframe",
        "side",
        "intent_type",
        "status",
        "classification",
        "short_reason",
    )
    list_filter = ("status", "classification", "exchange", "intent_type")
    search_fields = ("symbol", "user__email", "user__username", "=id")
    list_select_related = ("user",)
    date_hierarchy = "received_at"
    raw_id_fields = ("account", "position_group")

    @admin.display(description="Reason")
    def short_reason(self, signal: Signal) -> str:
        return signal.reason[:80]


class PyramidInline(ReadOnlyInline):
    model = Pyramid
    fields = (
        "index",
        "entry_price",
        "capital",
        "tp_target_price",
        "trailing_active",
        "closed_at",
        "created_at",
    )


class OrderInline(ReadOnlyInline):
    model = DCAOrder
    fk_name = "group"
    verbose_name_plural = "orders (legs, take-profits, closes)"
    fields = (
        "role",
        "level",
        "side",
        "order_type",
        "price",
        "quantity",
        "status",
        "filled_quantity",
        "avg_fill_price",
        "fees",
        "tp_price",
        "tp_status",
        "client_order_id",
        "exchange_order_id",
        "last_error",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[DCAOrder]:
        return super().get_queryset(request).order_by("created_at", "level")


@admin.register(PositionGroup)
class PositionGroupAdmin(EngineOwnedAdmin):
    list_display = (
        "user",
        "account",
        "symbol",
        "timeframe",
        "side",
        "status",
        "pyramid_count",
        "avg_entry",
        "filled_quantity",
        "realized_pnl",
        "opened_at",
    )
    list_filter = ("status", "exchange", "side", "tp_mode")
    search_fields = ("symbol", "user__email", "user__username", "=id")
    list_select_related = ("user", "account", "account__user")
    date_hierarchy = "opened_at"
    inlines = (PyramidInline, OrderInline)
    actions = ("close_selected",)

    @admin.action(description="Close selected position groups")
    def close_selected(self, request: HttpRequest, queryset: QuerySet[PositionGroup]) -> None:
        from .services_positions import position_close  # the engine's; imports brokers and tasks

        self._each(
            request,
            queryset,
            lambda group: position_close(group=group, actor=request.user, reason="admin", request=request),
            done="closing (unfilled orders cancelled, holdings sold at market).",
        )


@admin.register(DCAOrder)
class DCAOrderAdmin(EngineOwnedAdmin):
    list_display = (
        "group",
        "role",
        "level",
        "side",
        "price",
        "quantity",
        "status",
        "filled_quantity",
        "client_order_id",
        "exchange_order_id",
    )
    list_filter = ("role", "status", "side", "order_type")
    search_fields = ("client_order_id", "exchange_order_id", "symbol", "user__email", "=id")
    list_select_related = ("group",)
    date_hierarchy = "created_at"
    actions = ("cancel_selected",)

    @admin.action(description="Cancel selected orders")
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[DCAOrder]) -> None:
        from .services_orders import order_cancel_request

        self._each(
            request,
            queryset,
            lambda order: order_cancel_request(order=order, actor=request.user, request=request),
            done="cancel requested; a worker cancels it on the exchange.",
        )


@admin.register(Fill)
class FillAdmin(EngineOwnedAdmin):
    list_display = ("executed_at", "order", "price", "quantity", "fee", "fee_asset", "fee_quote", "trade_id")
    search_fields = ("trade_id", "order__client_order_id", "user__email")
    list_select_related = ("order",)
    date_hierarchy = "executed_at"


@admin.register(UnknownExchangeOrder)
class UnknownExchangeOrderAdmin(EngineOwnedAdmin):
    list_display = (
        "last_seen_at",
        "user",
        "account",
        "symbol",
        "side",
        "order_type",
        "price",
        "quantity",
        "filled_quantity",
        "status",
        "exchange_order_id",
    )
    list_filter = ("status", "side")
    search_fields = ("symbol", "exchange_order_id", "client_order_id", "user__email")
    list_select_related = ("user", "account", "account__user")


from . import (  # noqa: E402,F401
    admin_config,
    admin_queue,
    admin_risk,
    admin_service,
)
