"""Per-DCA-configuration stats (reference/api.md, "Trading"): `GET dca-configs/stats` for every
configuration of the caller, `GET dca-configs/{id}/stats` for one (another user's: 404).

Served by trading.positions because the numbers are read from position groups
(trading/positions/config_stats.py); the configurations' own routes are trading.dca's."""

from __future__ import annotations

import uuid
from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from trading.dca.models import DCAConfig
from trading.positions.config_stats import ConfigStats, dca_config_stats

AMOUNT = {"max_digits": 36, "decimal_places": 18, "coerce_to_string": True, "normalize_output": True}


class ConfigStatsSerializer(serializers.Serializer):
    config_id = serializers.UUIDField()
    currency = serializers.CharField(help_text="Quote currency of the pair; every amount is in it")
    active_deals = serializers.IntegerField(help_text="Open position groups (waiting to closing)")
    closed_deals = serializers.IntegerField(help_text="Closed position groups (failed ones left out)")
    realized_pnl = serializers.DecimalField(**AMOUNT, help_text="Sum over the closed deals, fees netted")
    wins = serializers.IntegerField(help_text="Closed deals with realized_pnl > 0")
    win_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        coerce_to_string=True,
        allow_null=True,
        help_text="Percent (0-100) of closed deals with realized_pnl > 0; null with none closed",
    )
    avg_duration_seconds = serializers.SerializerMethodField(
        help_text="Mean time from open to close of the closed deals; null with none closed"
    )
    capital_in_use = serializers.DecimalField(
        **AMOUNT, help_text="Entry cost of what the open deals hold now"
    )
    unrealized_pnl = serializers.DecimalField(**AMOUNT, help_text="Of the open deals, at their last mark")

    def get_avg_duration_seconds(self, stats: ConfigStats) -> int | None:
        return None if stats.avg_duration is None else round(stats.avg_duration.total_seconds())


def _configs(request: Request) -> Any:
    return DCAConfig.objects.filter(user=request.user)


class DCAConfigStatsListView(APIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        responses={200: ConfigStatsSerializer(many=True)},
        summary="Deals, profit, win rate, time held and capital in use of each of your DCA configurations",
    )
    def get(self, request: Request) -> Response:
        stats = dca_config_stats(user=request.user, configs=_configs(request))
        return Response(ConfigStatsSerializer(list(stats.values()), many=True).data)


class DCAConfigStatsView(APIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        responses={200: ConfigStatsSerializer},
        summary="Deals, profit, win rate, time held and capital in use of one DCA configuration",
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        config = get_object_or_404(_configs(request), pk=pk)  # another user's: 404
        stats = dca_config_stats(user=request.user, configs=[config])[config.pk]
        return Response(ConfigStatsSerializer(stats).data)
