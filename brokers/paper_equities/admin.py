"""Paper NSE ledgers in Django admin, read-only: admins look at what a trader's paper account did
(cash, holdings, orders with their charges and refusals, fills); only the engine writes them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import PaperEquityAccount, PaperEquityHolding, PaperEquityOrder, PaperEquityTrade


class ReadOnlyAdmin(admin.ModelAdmin):
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class HoldingInline(admin.TabularInline):
    model = PaperEquityHolding
    extra = 0
    can_delete = False
    readonly_fields = ("symbol", "quantity", "bought_today", "bought_on", "sell_blocked", "updated_at")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PaperEquityAccount)
class PaperEquityAccountAdmin(ReadOnlyAdmin):
    list_display = ("config", "created_at")
    list_select_related = ("config", "config__user")
    search_fields = ("config__user__email", "config__label")
    inlines = (HoldingInline,)


@admin.register(PaperEquityOrder)
class PaperEquityOrderAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "account",
        "symbol",
        "side",
        "type",
        "product",
        "amo",
        "quantity",
        "filled",
        "status",
        "reject_reason",
    )
    list_filter = ("status", "side", "product", "amo", "trading_day")
    list_select_related = ("account__config",)
    search_fields = ("symbol", "client_order_id", "account__config__user__email")
    date_hierarchy = "created_at"


@admin.register(PaperEquityTrade)
class PaperEquityTradeAdmin(ReadOnlyAdmin):
    list_display = ("executed_at", "order", "quantity", "trading_day")
    list_select_related = ("order",)
    search_fields = ("order__symbol", "order__client_order_id")
    date_hierarchy = "executed_at"
