"""Django admin for DCA configurations: the grids traders save through the web app and API."""

from __future__ import annotations

from django.contrib import admin

from trading.dca.models import DCAConfig


@admin.register(DCAConfig)
class DCAConfigAdmin(admin.ModelAdmin):
    list_display = ("user", "exchange", "account", "symbol", "timeframe", "form", "tp_mode", "updated_at")
    list_filter = ("exchange", "form", "tp_mode", "entry_order_type")
    search_fields = ("user__email", "user__username", "symbol", "exchange")
    list_select_related = ("user", "account", "account__user")
    raw_id_fields = ("user", "account")
    readonly_fields = ("created_at", "updated_at")
