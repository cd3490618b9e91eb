"""The caller's trading service: start, stop, status, task history, logs (reference/api.md,
"Trading"). Thin: trading.runtime.services does the work. Everyone reads their own; starting and
stopping take the trader role."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsTrader
from auditlog.api.logs_views import ServiceLogViewSet
from auditlog.models_logs import ServiceLog
from config.api.filters import UTCIsoDateTimeFilter
from trading.runtime.models import ServiceTaskExecution, TaskOutcome
from trading.service import schedules
from trading.service import services as svc
from trading.service.api import serializers as s
from trading.settings import schedule_rules


def status_body(user: Any) -> dict[str, Any]:
    status_row = svc.service_status_for(user.pk)
    return {**svc.service_event_data(status_row), "schedules": schedules.schedules_overview(user_id=user.pk)}


def _conflict(exc: svc.ServiceStateConflict, user: Any) -> Response:
    return Response(
        s.ServiceConflictSerializer(
            {"detail": exc.detail, "code": exc.code, "errors": {}, "state": status_body(user)}
        ).data,
        status=status.HTTP_409_CONFLICT,
    )


class ServiceStatusView(APIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        responses={200: s.ServiceStatusSerializer},
        summary="Your trading service: state, heartbeat, errors, schedules",
    )
    def get(self, request: Request) -> Response:
        return Response(s.ServiceStatusSerializer(status_body(request.user)).data)


class ServiceStartView(APIView):
    permission_classes = (IsTrader,)

    @extend_schema(
        request=None,
        responses={
            200: s.ServiceStatusSerializer,
            403: OpenApiResponse(description="Your role does not allow trading"),
            409: OpenApiResponse(
                s.ServiceConflictSerializer, description="Already running (code already_running)"
            ),
        },
        summary="Start your trading service: schedules on, queued work dispatched now",
    )
    def post(self, request: Request) -> Response:
        try:
            svc.service_start(user=request.user, request=request)
        except svc.ServiceStateConflict as exc:
            return _conflict(exc, request.user)
        return Response(s.ServiceStatusSerializer(status_body(request.user)).data)


class ServiceStopView(APIView):
    permission_classes = (IsTrader,)

    @extend_schema(
        request=s.ServiceStopSerializer,
        responses={
            200: s.ServiceStatusSerializer,
            400: OpenApiResponse(description="close_all is not true or false"),
            403: OpenApiResponse(description="Your role does not allow trading"),
            409: OpenApiResponse(
                s.ServiceConflictSerializer, description="Already stopped (code already_stopped)"
            ),
        },
        summary="Stop your trading service (optionally closing every open position)",
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError(
                {"non_field_errors": ['Expected a JSON object, e.g. {"close_all": false}.']}
            )
        body = s.ServiceStopSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            svc.service_stop(user=request.user, close_all=body.validated_data["close_all"], request=request)
        except svc.ServiceStateConflict as exc:
            return _conflict(exc, request.user)
        return Response(s.ServiceStatusSerializer(status_body(request.user)).data)


class SchedulableTaskList(APIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        responses={200: s.SchedulableTaskSerializer(many=True)},
        summary="The tasks you can put in task_schedule",
    )
    def get(self, request: Request) -> Response:
        return Response(s.SchedulableTaskSerializer(schedule_rules.available_tasks(), many=True).data)


class TaskExecutionFilter(django_filters.FilterSet):
    task_name = django_filters.CharFilter()
    status = django_filters.ChoiceFilter(choices=TaskOutcome.choices)
    executed_after = UTCIsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    executed_before = UTCIsoDateTimeFilter(field_name="started_at", lookup_expr="lt")

    class Meta:
        model = ServiceTaskExecution
        fields = ("task_name", "status")


@extend_schema_view(get=extend_schema(summary="Your service's task history, newest first"))
class TaskExecutionList(generics.ListAPIView):
    serializer_class = s.TaskExecutionSerializer
    filterset_class = TaskExecutionFilter
    permission_classes = (permissions.IsAuthenticated,)

    def get_queryset(self) -> QuerySet[ServiceTaskExecution]:
        if getattr(self, "swagger_fake_view", False):
            return ServiceTaskExecution.objects.none()
        return ServiceTaskExecution.objects.filter(user=self.request.user).order_by("-started_at", "-id")


@extend_schema_view(list=extend_schema(summary="Your service log, newest first (as GET logs, your own only)"))
class ServiceLogList(ServiceLogViewSet):
    """`GET logs` for the caller's own entries, admins included (they read others' in `GET logs`)."""

    def get_queryset(self) -> QuerySet[ServiceLog]:
        if getattr(self, "swagger_fake_view", False):
            return ServiceLog.objects.none()
        return ServiceLog.objects.filter(user=self.request.user)
