"""Positions, the performance summary and unknown exchange orders (reference/api.md, "Trading").

Thin: querysets come from trading.positions.selectors, already scoped to the caller, so another
user's position is a 404; closing goes through trading.execution.services.closes."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, permissions, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import ReadOrTrade
from config.api.filters import SymbolFilter
from trading.positions import selectors
from trading.positions.api import serializers as s
from trading.positions.api.performance_serializers import DashboardPerformanceSerializer
from trading.positions.models import OPEN_GROUP_STATUSES, GroupStatus, PositionGroup, UnknownExchangeOrder
from trading.positions.performance import dashboard_performance

UUID_REGEX = "[0-9a-fA-F-]{36}"


def position_detail_body(group: PositionGroup) -> dict[str, Any]:
    """One group as `GET positions/{id}` answers (also after `POST positions/{id}/close`)."""
    group.fill_list = list(selectors.position_fills(group=group))
    return s.PositionDetailSerializer(group).data


# ?ordering= keys (a leading "-" reverses), as the list and the deals accept them.
ORDERING_FIELDS = (
    "opened_at",
    "closed_at",
    "symbol",
    "status",
    "invested",
    "realized_pnl",
    "realized_pnl_percent",
    "unrealized_pnl",
    "unrealized_pnl_percent",
    ("duration_seconds", "duration"),
)


class StableOrderingFilter(django_filters.OrderingFilter):
    """An unknown key is a 400 (a choice error on `ordering`); empty values (an open group's
    closed_at) sort last both ways, and ties keep a fixed order by id so pages never overlap."""

    def filter(self, qs: QuerySet[Any], value: list[str] | None) -> QuerySet[Any]:
        if not value:
            return qs
        ordering: list[OrderBy] = []
        for param in value:
            descending = param.startswith("-")
            field = F(self.param_map.get(param.lstrip("-"), param.lstrip("-")))
            ordering.append(field.desc(nulls_last=True) if descending else field.asc(nulls_last=True))
        tiebreak = F("id").desc() if ordering[-1].descending else F("id").asc()
        return qs.order_by(*ordering, tiebreak)


def ordering_filter() -> StableOrderingFilter:
    return StableOrderingFilter(
        fields=ORDERING_FIELDS,
        help_text="Sort key, - for descending; several comma-separated. "
        + ", ".join(field if isinstance(field, str) else field[1] for field in ORDERING_FIELDS),
    )


class GroupFilter(django_filters.FilterSet):
    """The filters the positions list and the deals share."""

    symbol = SymbolFilter()
    exchange = django_filters.CharFilter(method="filter_exchange")
    account = django_filters.UUIDFilter(field_name="account_id", label="One of your exchange accounts")
    ordering = ordering_filter()

    def filter_exchange(
        self, queryset: QuerySet[PositionGroup], name: str, value: str
    ) -> QuerySet[PositionGroup]:
        return queryset.filter(exchange=value.strip().lower())


class PositionFilter(GroupFilter):
    status = django_filters.ChoiceFilter(choices=GroupStatus.choices)
    open = django_filters.BooleanFilter(
        method="filter_open", label="true: every open status (waiting to closing); false: closed or failed"
    )
    timeframe = django_filters.CharFilter(label="Canonical timeframe, e.g. 1h")

    class Meta:
        model = PositionGroup
        fields = ("status", "open", "symbol", "exchange", "timeframe", "account", "ordering")

    def filter_open(
        self, queryset: QuerySet[PositionGroup], name: str, value: bool
    ) -> QuerySet[PositionGroup]:
        is_open = Q(status__in=OPEN_GROUP_STATUSES)
        return queryset.filter(is_open if value else ~is_open)


@extend_schema_view(
    list=extend_schema(summary="Your position groups"),
    retrieve=extend_schema(
        summary="One position group with its pyramids, legs, exit orders, fills and signals",
        responses={200: s.PositionDetailSerializer},
    ),
)
class PositionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.PositionSerializer
    filterset_class = PositionFilter
    permission_classes = (ReadOrTrade,)
    lookup_value_regex = UUID_REGEX

    def get_queryset(self) -> QuerySet[PositionGroup]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return PositionGroup.objects.none()
        if self.action == "list":
            return selectors.position_groups(user=self.request.user)
        return selectors.position_detail(user=self.request.user)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(position_detail_body(self.get_object()))


class PerformanceView(APIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        parameters=[s.PerformanceQuerySerializer],
        responses={200: DashboardPerformanceSerializer},
        summary="Realized PnL by day, equity curve, win rate and drawdown over the last N days",
        description=(
            "A group's realized_pnl counts, in full, on the UTC date it closed; days without a close "
            "are zeros. Amounts are in one quote currency (`currency`); `currencies` lists the others "
            "you trade in, each available with ?currency=. `profit_today` counts the groups closed "
            "since 00:00 UTC; `by_currency` has the totals of every quote currency side by side."
        ),
    )
    def get(self, request: Request) -> Response:
        query = s.PerformanceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        summary = dashboard_performance(
            user=request.user,
            days=query.validated_data["days"],
            currency=query.validated_data.get("currency"),
        )
        return Response(DashboardPerformanceSerializer(summary).data)


class UnknownOrderFilter(django_filters.FilterSet):
    account = django_filters.UUIDFilter(field_name="account_id", label="One of your exchange accounts")
    symbol = SymbolFilter()

    class Meta:
        model = UnknownExchangeOrder
        fields = ("account", "symbol")


@extend_schema_view(
    get=extend_schema(
        summary="Open orders found on your exchange accounts that Tradefleet did not place",
    )
)
class UnknownOrderList(generics.ListAPIView):
    serializer_class = s.UnknownOrderSerializer
    filterset_class = UnknownOrderFilter
    permission_classes = (permissions.IsAuthenticated,)

    def get_queryset(self) -> QuerySet[UnknownExchangeOrder]:
        if getattr(self, "swagger_fake_view", False):
            return UnknownExchangeOrder.objects.none()
        return selectors.unknown_orders(user=self.request.user)
