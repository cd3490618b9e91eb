from django.contrib import admin

from .models import DCAConfig


@admin.register(DCAConfig)
class DCAConfigAdmin(admin.ModelAdmin):
    list_display = ("user", "exchange", "account", "symbol", "timeframe", "form", "tp_mode", "updated_at")
    list_filter = ("exchange", "form", "tp_mode", "entry_order_type")
    search_fields = ("user__email", "user__username", "symbol", "exchange")
    list_select_related = ("user", "account")
    raw_id_fields = ("user", "account")
    readonly_fields = ("created_at", "updated_at")
