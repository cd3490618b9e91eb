"""`GET logs`, `GET logs/errors[/{id}]`, `POST logs/errors/{id}/resolve`, `POST logs/export`,
`DELETE logs/system/{days_old}` (reference/api.md, "Logs and audit")."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdmin
from auditlog.models_logs import ErrorLog, LogCategory, LogLevel, ServiceLog
from auditlog.services_logs import EXPORT_MAX_ROWS, error_resolve, logs_export, service_logs_delete_older_than
from config.api.filters import UTCIsoDateTimeFilter

from .logs_serializers import (
    DeletedSerializer,
    ErrorLogSerializer,
    ExportSerializer,
    ResolveSerializer,
    ServiceLogSerializer,
)


class ServiceLogFilter(django_filters.FilterSet):
    user_id = django_filters.UUIDFilter(field_name="user_id", label="User (admins only)")
    level = django_filters.ChoiceFilter(choices=LogLevel.choices)
    category = django_filters.ChoiceFilter(choices=LogCategory.choices)
    timestamp_after = UTCIsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    timestamp_before = UTCIsoDateTimeFilter(field_name="timestamp", lookup_expr="lt")
    search = django_filters.CharFilter(field_name="message", lookup_expr="icontains")

    class Meta:
        model = ServiceLog
        fields = ("level", "category")


class ErrorLogFilter(django_filters.FilterSet):
    user_id = django_filters.UUIDFilter(field_name="user_id", label="User (admins only)")
    resolved = django_filters.BooleanFilter()
    error_type = django_filters.CharFilter(lookup_expr="icontains")
    created_after = UTCIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UTCIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    search = django_filters.CharFilter(field_name="message", lookup_expr="icontains")

    class Meta:
        model = ErrorLog
        fields = ("resolved",)


def service_logs_for(user: Any) -> QuerySet[ServiceLog]:
    """Your own entries; admins read every user's and the system's."""
    if user.is_admin:
        return ServiceLog.objects.all()
    return ServiceLog.objects.filter(user=user)


def error_logs_for(user: Any) -> QuerySet[ErrorLog]:
    queryset = ErrorLog.objects.select_related("resolved_by")
    return queryset if user.is_admin else queryset.filter(user=user)


class ServiceLogViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your service log (newest first); admins see everyone's and may pass `user_id`."""

    serializer_class = ServiceLogSerializer
    filterset_class = ServiceLogFilter

    def get_queryset(self) -> QuerySet[ServiceLog]:
        if getattr(self, "swagger_fake_view", False):
            return ServiceLog.objects.none()
        return service_logs_for(self.request.user)


class ErrorLogViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Errors of your failed tasks and requests; admins see all and resolve them."""

    serializer_class = ErrorLogSerializer
    filterset_class = ErrorLogFilter

    def get_queryset(self) -> QuerySet[ErrorLog]:
        if getattr(self, "swagger_fake_view", False):
            return ErrorLog.objects.none()
        return error_logs_for(self.request.user)

    def get_permissions(self) -> list[Any]:
        if self.action == "resolve":
            return [IsAdmin()]
        return super().get_permissions()

    @extend_schema(request=ResolveSerializer, responses={200: ErrorLogSerializer}, summary="Resolve (admin)")
    @action(detail=True, methods=["post"], serializer_class=ResolveSerializer)
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        body = ResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        error = error_resolve(error=self.get_object(), by=request.user, notes=body.validated_data["notes"])
        return Response(ErrorLogSerializer(error).data)


def _filter_data(filters: dict[str, Any]) -> dict[str, str]:
    """The export's `filters` as query-string values: scalars only, no NUL (the database refuses it)."""
    data: dict[str, str] = {}
    for key, value in filters.items():
        if value is None or value == "":
            continue
        if isinstance(value, dict | list) or "\x00" in str(value):
            raise ValidationError({"filters": {key: ["Must be a plain value."]}})
        data[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return data


class LogExportView(APIView):
    """The filtered service log as a CSV or JSON download, newest first, at most 50,000 rows
    (`X-Export-Truncated: true` when there were more)."""

    @extend_schema(
        request=ExportSerializer,
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The filtered log as CSV"),
            (200, "application/json"): OpenApiResponse(
                {"type": "array", "items": {"type": "object", "additionalProperties": True}},
                description="... or as JSON: one object per log entry",
            ),
        },
        summary="Export the service log",
    )
    def post(self, request: Request) -> HttpResponse:
        body = ExportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        filters = ServiceLogFilter(
            data=_filter_data(body.validated_data["filters"]), queryset=service_logs_for(request.user)
        )
        if not filters.is_valid():
            raise ValidationError({"filters": filters.errors})
        fmt = body.validated_data["format"]
        content, truncated = logs_export(queryset=filters.qs, fmt=fmt)
        content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
        response = HttpResponse(content, content_type=content_type)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="logs-{stamp}.{fmt}"'
        response["X-Export-Truncated"] = "true" if truncated else "false"
        response["X-Export-Max-Rows"] = str(EXPORT_MAX_ROWS)
        return response


class LogDeleteOlderThanView(APIView):
    """Delete every service log entry older than `days_old` days (admins)."""

    permission_classes = (IsAdmin,)

    @extend_schema(
        request=None, responses={200: DeletedSerializer}, summary="Delete old service logs (admin)"
    )
    def delete(self, request: Request, days_old: int) -> Response:
        deleted = service_logs_delete_older_than(days=days_old, by=request.user)
        return Response({"deleted": deleted}, status=status.HTTP_200_OK)
