"""The dashboard's shape of `GET performance`: the summary plus realized and unrealized apart
per quote currency, today's profit (UTC) and the completed deals (reference/api.md, "Trading")."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from trading.positions.api.serializers import PerformanceSerializer, _amount


class CurrencyTotalsSerializer(serializers.Serializer):
    currency = serializers.CharField()
    realized_pnl = _amount(help_text="Of the groups closed in the window, fees netted")
    completed_deals = serializers.IntegerField(help_text="Groups closed in the window that bought something")
    unrealized_pnl = _amount(help_text="Now, summed over open groups")
    open_groups = serializers.IntegerField()
    profit_today = _amount(help_text="Realized by the groups closed since 00:00 UTC today")
    completed_today = serializers.IntegerField(help_text="Deals completed since 00:00 UTC today")


# The only shape `GET performance` answers: it keeps the schema name the web app's types use.
@extend_schema_serializer(component_name="Performance")
class DashboardPerformanceSerializer(PerformanceSerializer):
    today_start = serializers.DateTimeField(help_text="00:00 UTC of today: where 'today' begins")
    profit_today = _amount(help_text="In `currency`: realized by the groups closed since today_start")
    completed_today = serializers.IntegerField(help_text="In `currency`: deals completed since today_start")
    by_currency = CurrencyTotalsSerializer(
        many=True, help_text="The same totals for every quote currency you trade in (never added together)"
    )
