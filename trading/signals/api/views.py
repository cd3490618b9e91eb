"""GET /signals and GET /signals/{id}: the trader's log of webhooks (reference/api.md).

Scoped to the caller: another user's signal is a 404, never a 403."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from config.api.filters import SymbolFilter, UTCIsoDateTimeFilter
from trading.signals.api import serializers as s
from trading.signals.models import Outcome, Signal, SignalStatus

UUID_REGEX = "[0-9a-fA-F-]{36}"


class SignalFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=SignalStatus.choices)
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices, method="filter_outcome")
    reason_code = django_filters.CharFilter()
    symbol = SymbolFilter()
    exchange = django_filters.CharFilter(method="filter_exchange")
    timeframe = django_filters.CharFilter(label="Canonical timeframe, e.g. 1h")
    intent_type = django_filters.CharFilter()
    received_after = UTCIsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = UTCIsoDateTimeFilter(field_name="received_at", lookup_expr="lt")

    class Meta:
        model = Signal
        fields = (
            "status",
            "outcome",
            "reason_code",
            "symbol",
            "exchange",
            "timeframe",
            "intent_type",
            "received_after",
            "received_before",
        )

    def filter_outcome(self, queryset: QuerySet[Signal], name: str, value: str) -> QuerySet[Signal]:
        if value == Outcome.STALE:
            return queryset.filter(status=SignalStatus.REJECTED, reason_code="stale")
        if value == Outcome.REFUSED:
            return queryset.filter(status=SignalStatus.REJECTED).exclude(reason_code="stale")
        status = {
            Outcome.RECEIVED: SignalStatus.RECEIVED,
            Outcome.ACCEPTED: SignalStatus.PROCESSED,
            Outcome.QUEUED: SignalStatus.QUEUED,
            Outcome.DUPLICATE: SignalStatus.DUPLICATE,
        }[Outcome(value)]
        return queryset.filter(status=status)

    def filter_exchange(self, queryset: QuerySet[Signal], name: str, value: str) -> QuerySet[Signal]:
        return queryset.filter(exchange=value.strip().lower())


@extend_schema_view(
    list=extend_schema(summary="Your signals: every webhook received, accepted or rejected, newest first"),
    retrieve=extend_schema(
        summary="One signal with its (masked) body and parsed fields",
        responses={200: s.SignalDetailSerializer},
    ),
)
class SignalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.SignalSerializer
    filterset_class = SignalFilter
    lookup_value_regex = UUID_REGEX

    def get_queryset(self) -> QuerySet[Signal]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Signal.objects.none()
        signals = Signal.objects.filter(user=self.request.user).order_by("-received_at", "-id")
        if self.action == "list":
            return signals.defer("raw_body", "parsed")
        return signals

    def get_serializer_class(self) -> type[s.SignalSerializer]:
        return s.SignalDetailSerializer if self.action == "retrieve" else s.SignalSerializer
