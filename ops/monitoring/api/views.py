"""The admin's performance dashboard and alert rules (docs/operations/monitoring.md)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdmin
from ops.monitoring.alerts import alert_rule_update, alert_rules_ensure
from ops.monitoring.models import AlertEvent, AlertRule
from ops.monitoring.selectors import performance
from ops.monitoring.windows import WINDOWS

from . import serializers as s

EVENTS_SHOWN = 50


class PerformanceView(APIView):
    permission_classes = (IsAdmin,)

    @extend_schema(
        parameters=[
            OpenApiParameter("window", str, enum=list(WINDOWS), description="hour (default), day or week")
        ],
        responses={200: dict},
        summary="Performance panels over the last hour, day or week (admin)",
    )
    def get(self, request: Request) -> Response:
        query = s.PerformanceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(performance(window=WINDOWS[query.validated_data["window"]]))


class AlertsView(APIView):
    permission_classes = (IsAdmin,)

    @extend_schema(responses={200: dict}, summary="Alert rules and the latest alert events (admin)")
    def get(self, request: Request) -> Response:
        alert_rules_ensure()
        rules = AlertRule.objects.all()
        events = AlertEvent.objects.order_by("-fired_at", "-id")[:EVENTS_SHOWN]
        return Response(
            {
                "rules": s.AlertRuleSerializer(rules, many=True).data,
                "events": s.AlertEventSerializer(events, many=True).data,
            }
        )


class AlertRuleView(APIView):
    permission_classes = (IsAdmin,)

    @extend_schema(
        request=s.AlertRuleUpdateSerializer,
        responses={200: s.AlertRuleSerializer},
        summary="Set an alert rule's threshold or switch it on or off (admin)",
    )
    def patch(self, request: Request, key: str, *args: Any) -> Response:
        alert_rules_ensure()
        get_object_or_404(AlertRule, key=key)
        body = s.AlertRuleUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rule = alert_rule_update(key=key, actor=request.user, request=request, **body.validated_data)
        return Response(s.AlertRuleSerializer(rule).data)
