"""Django admin for signals: view-only, the engine owns them (trading/runtime/admin_base.py)."""

from __future__ import annotations

from django.contrib import admin

from trading.runtime.admin_base import EngineOwnedAdmin
from trading.signals.models import Signal


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
