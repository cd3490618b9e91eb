"""Django admin for the risk part of the engine: what the risk engine did, view-only (the engine
writes each `RiskAction` in the transaction that sent its orders)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from trading.risk.models import RiskAction
from trading.runtime.admin_base import EngineOwnedAdmin

_WINNER_COLUMNS = (
    "symbol",
    "timeframe",
    "quantity",
    "price",
    "avg_entry",
    "expected_realized",
    "group",
    "order",
)


@admin.register(RiskAction)
class RiskActionAdmin(EngineOwnedAdmin):
    list_display = (
        "created_at",
        "user",
        "symbol",
        "timeframe",
        "loser_loss_percent",
        "required",
        "covered",
        "fully_covered",
        "winner_count",
        "trigger",
        "status",
    )
    list_filter = ("status", "trigger", "fully_covered", "created_at")
    search_fields = ("symbol", "user__email", "user__username", "=id", "=loser__id", "details")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    fieldsets = (
        (None, {"fields": ("id", "user", "created_at", "trigger", "status", "details")}),
        (
            "Loser (closed in full)",
            {
                "fields": (
                    "loser",
                    "symbol",
                    "timeframe",
                    "loser_quantity",
                    "loser_price",
                    "loser_avg_entry",
                    "loser_loss",
                    "loser_loss_percent",
                )
            },
        ),
        ("Offset", {"fields": ("required", "covered", "fully_covered", "winners_table", "winners")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [*super().get_readonly_fields(request, obj), "winners_table"]

    @admin.display(description="winners")
    def winner_count(self, obj: RiskAction) -> int:
        return len(obj.winners or [])

    @admin.display(description="Winners' partial closes")
    def winners_table(self, obj: RiskAction) -> SafeString | str:
        if not obj.winners:
            return "No winner paid towards this loss."
        header = format_html_join("", "<th>{}</th>", ((name.replace("_", " "),) for name in _WINNER_COLUMNS))
        rows = format_html_join(
            "",
            "<tr>{}</tr>",
            (
                (format_html_join("", "<td>{}</td>", ((row.get(name) or "-",) for name in _WINNER_COLUMNS)),)
                for row in obj.winners
            ),
        )
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", header, rows)
