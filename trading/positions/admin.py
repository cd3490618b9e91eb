"""Django admin for fills and unknown exchange orders: view-only, the engine owns them
(trading/runtime/admin_base.py). Groups and orders, with their actions, are in
trading/execution/admin.py."""

from __future__ import annotations

from django.contrib import admin

from trading.positions.models import Fill, UnknownExchangeOrder
from trading.runtime.admin_base import EngineOwnedAdmin


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
