"""Deals: closed position groups with what they realized, as a page of JSON or every one of
them as a CSV file (reference/api.md, "Trading"). Scoped to the caller like every list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, permissions
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.filters import UTCIsoDateTimeFilter
from trading.positions import selectors
from trading.positions.api import serializers as s
from trading.positions.api.views import GroupFilter
from trading.positions.deals_csv import csv_lines
from trading.positions.models import PositionGroup

CSV_CHUNK = 500


class DealFilter(GroupFilter):
    dca_config = django_filters.UUIDFilter(
        field_name="dca_config_id", label="The DCA configuration the group traded with"
    )
    closed_after = UTCIsoDateTimeFilter(
        field_name="closed_at", lookup_expr="gte", label="closed_at >= (ISO 8601)"
    )
    closed_before = UTCIsoDateTimeFilter(
        field_name="closed_at", lookup_expr="lt", label="closed_at < (ISO 8601)"
    )

    class Meta:
        model = PositionGroup
        fields = ("symbol", "exchange", "account", "dca_config", "closed_after", "closed_before", "ordering")


class DealView(generics.GenericAPIView):
    """The caller's deals through the deal filters: what every deals endpoint reads."""

    filterset_class = DealFilter
    permission_classes = (permissions.IsAuthenticated,)

    def get_queryset(self) -> QuerySet[PositionGroup]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return PositionGroup.objects.none()
        return selectors.deals(user=self.request.user)


@extend_schema_view(
    get=extend_schema(
        summary="Your closed deals, most recently closed first",
        description="Closed groups that bought something, with realized PnL in quote and percent, "
        "fees, duration and exit reason. Same fields and ?ordering= keys as the positions list.",
    )
)
class DealList(DealView, generics.ListAPIView):
    serializer_class = s.PositionSerializer


class DealCsv(DealView):
    serializer_class = s.PositionSerializer
    pagination_class = None

    @extend_schema(
        summary="Every deal matching the filters as a CSV file (not one page)",
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="Header row, then one deal a line"
            )
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> StreamingHttpResponse:
        deals = self.filter_queryset(self.get_queryset())
        response = StreamingHttpResponse(csv_lines(self._rows(deals)), content_type="text/csv; charset=utf-8")
        day = timezone.now().astimezone(dt.UTC).strftime("%Y%m%d")
        response["Content-Disposition"] = f'attachment; filename="tradefleet-deals-{day}.csv"'
        return response

    def _rows(self, deals: QuerySet[PositionGroup]) -> Iterator[dict[str, Any]]:
        # The JSON's serializer, row by row: the file says exactly what the API says.
        for group in deals.iterator(chunk_size=CSV_CHUNK):
            yield s.PositionSerializer(group).data


class DealTotalsView(DealView):
    serializer_class = s.DealTotalsSerializer
    pagination_class = None

    @extend_schema(
        summary="Count, wins and realized PnL of every deal matching the filters, per quote currency",
        responses={200: s.DealTotalsSerializer},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        totals = selectors.deal_totals(deals=self.filter_queryset(self.get_queryset()))
        return Response(s.DealTotalsSerializer(totals).data)
