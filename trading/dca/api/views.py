"""DCA configurations and the grid preview (reference/api.md, "Trading"): thin, services do the work."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from accounts.permissions import ReadOrTrade
from config.api.filters import SymbolFilter
from trading.dca import services
from trading.dca.api import serializers as s
from trading.dca.models import DCAConfig


class ExchangeUnreachable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The exchange cannot be reached right now; try again shortly."
    default_code = "exchange_unavailable"


class DCAConfigFilter(django_filters.FilterSet):
    exchange = django_filters.CharFilter(method="filter_exchange")
    symbol = SymbolFilter()
    timeframe = django_filters.CharFilter(label="Canonical timeframe, e.g. 1h")

    class Meta:
        model = DCAConfig
        fields = ("exchange", "symbol", "timeframe")

    def filter_exchange(self, queryset: QuerySet[DCAConfig], name: str, value: str) -> QuerySet[DCAConfig]:
        return queryset.filter(exchange=value.strip().lower())


def _call(service: Any, **kwargs: Any) -> Any:
    try:
        return service(**kwargs)
    except services.MarketDataUnavailable as exc:
        raise ExchangeUnreachable(str(exc)) from exc


@extend_schema_view(
    list=extend_schema(summary="Your DCA configurations"),
    retrieve=extend_schema(summary="One DCA configuration"),
    create=extend_schema(
        request=s.DCAConfigWriteSerializer,
        responses={201: s.DCAConfigSerializer},
        summary="Create a DCA configuration (explicit levels or the 3Commas form)",
    ),
    update=extend_schema(
        request=s.DCAConfigWriteSerializer, responses={200: s.DCAConfigSerializer}, summary="Replace"
    ),
    partial_update=extend_schema(
        request=s.DCAConfigWriteSerializer, responses={200: s.DCAConfigSerializer}, summary="Change"
    ),
    destroy=extend_schema(responses={204: None}, summary="Delete a DCA configuration"),
)
class DCAConfigViewSet(viewsets.ModelViewSet):
    serializer_class = s.DCAConfigSerializer
    filterset_class = DCAConfigFilter
    permission_classes = (ReadOrTrade,)
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    def get_queryset(self) -> QuerySet[DCAConfig]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return DCAConfig.objects.none()
        return DCAConfig.objects.filter(user=self.request.user).select_related("account")

    def _input(self, *, partial: bool) -> dict[str, Any]:
        serializer = s.DCAConfigWriteSerializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _out(self, config: DCAConfig, code: int = status.HTTP_200_OK) -> Response:
        return Response(s.DCAConfigSerializer(config).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        config = _call(
            services.dca_config_create, user=request.user, fields=self._input(partial=False), request=request
        )
        return self._out(config, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        config = self.get_object()  # 404 for another user's: the queryset is the caller's only
        fields = self._input(partial=kwargs.get("partial", False))
        updated = _call(
            services.dca_config_update, config=config, user=request.user, fields=fields, request=request
        )
        return self._out(updated)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.dca_config_delete(config=self.get_object(), user=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.action == "preview":  # computes, never writes: viewers may try grids too
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    def get_serializer_class(self) -> type[BaseSerializer]:
        return s.PreviewRequestSerializer if self.action == "preview" else s.DCAConfigSerializer

    @extend_schema(
        request=s.PreviewRequestSerializer,
        responses={200: s.PreviewSerializer},
        summary="The legs a configuration would place and the position after each, without trading",
    )
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def preview(self, request: Request) -> Response:
        serializer = s.PreviewRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        entry_price, capital = fields.pop("entry_price", None), fields.pop("capital", None)
        exchange, symbol = fields.pop("exchange").strip().lower(), fields.pop("symbol")
        market = _call(services.market_for, exchange=exchange, symbol=symbol)
        result = _call(
            services.dca_preview,
            config_fields=fields,
            exchange=exchange,
            market=market,
            entry_price=entry_price,
            capital=capital,
        )
        return Response(s.PreviewSerializer(result).data)
