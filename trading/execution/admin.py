"""Django admin for position groups and their orders: view-only (trading/runtime/admin_base.py),
with the actions an admin takes on them: close a group, cancel an order, through the same
services as the API."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from trading.execution.services.closes import position_close
from trading.execution.services.orders import order_cancel_request
from trading.positions.models import DCAOrder, PositionGroup, Pyramid
from trading.runtime.admin_base import EngineOwnedAdmin, ReadOnlyInline


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
        self._each(
            request,
            queryset,
            lambda order: order_cancel_request(order=order, actor=request.user, request=request),
            done="cancel requested; a worker cancels it on the exchange.",
        )
