"""`/api/v1/me/export` and `/api/v1/me/exports...`: a user's exports of their own data."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from .models import DataExport, ExportFormat, ExportStatus
from .services import (
    LinkExpired,
    LinkInvalid,
    download_token,
    export_for_download,
    export_path,
    export_request,
)


class LinkGone(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_detail = "This download link has expired. Start a new export from your profile."
    default_code = "link_expired"


class ExportRequestSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=ExportFormat.choices)


class DataExportSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(
        help_text="A signed link that works without logging in, until `expires_at`; null until then."
    )

    class Meta:
        model = DataExport
        fields = (
            "id",
            "format",
            "status",
            "progress",
            "step",
            "size",
            "created_at",
            "started_at",
            "finished_at",
            "expires_at",
            "error",
            "download_url",
        )
        read_only_fields = fields

    def get_download_url(self, export: DataExport) -> str | None:
        if export.status != ExportStatus.SUCCEEDED or (
            export.expires_at and export.expires_at <= timezone.now()
        ):
            return None
        path = reverse("me-export-download", kwargs={"pk": export.pk})
        path = f"{path}?{urlencode({'token': download_token(export)})}"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


def _own_exports(view: APIView) -> QuerySet[DataExport]:
    if getattr(view, "swagger_fake_view", False):  # schema generation has no user
        return DataExport.objects.none()
    return DataExport.objects.filter(owner=view.request.user)


def _start(request: Request, data: Any) -> Response:
    serializer = ExportRequestSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    export, _ = export_request(user=request.user, format=serializer.validated_data["format"], request=request)
    body = DataExportSerializer(export, context={"request": request}).data
    return Response(body, status=status.HTTP_202_ACCEPTED)


class _FormatIsOurs:
    """DRF's settings, less `?format=` as a renderer override: here it names the export's format."""

    def __getattr__(self, name: str) -> Any:
        return None if name == "URL_FORMAT_OVERRIDE" else getattr(api_settings, name)


class FormatParamNegotiation(DefaultContentNegotiation):
    settings = _FormatIsOurs()


class ExportStartView(APIView):
    # Without this, DRF answers `?format=csv` with 404 (no renderer for "csv").
    content_negotiation_class = FormatParamNegotiation

    @extend_schema(
        parameters=[OpenApiParameter("format", enum=ExportFormat.values, required=True)],
        responses={202: DataExportSerializer},
        summary="Export my data (starts a background job, or returns the running one)",
    )
    def get(self, request: Request) -> Response:
        return _start(request, {"format": request.query_params.get("format", "")})


class ExportListView(generics.ListAPIView):
    serializer_class = DataExportSerializer

    def get_queryset(self) -> QuerySet[DataExport]:
        return _own_exports(self)

    @extend_schema(summary="My data exports, newest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ExportRequestSerializer,
        responses={202: DataExportSerializer},
        summary="Export my data (starts a background job, or returns the running one)",
    )
    def post(self, request: Request) -> Response:
        return _start(request, request.data)


class ExportDetailView(generics.RetrieveAPIView):
    serializer_class = DataExportSerializer

    def get_queryset(self) -> QuerySet[DataExport]:
        return _own_exports(self)

    @extend_schema(summary="One of my data exports, with its progress")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ExportDownloadView(APIView):
    # A plain browser link: the signed token is the credential, no Authorization header needed
    # (and an expired one sent along must not turn the download into a 401).
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        parameters=[OpenApiParameter("token", required=True)],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(description="The export file"),
            404: OpenApiResponse(description="No such export, or a token that is not its own"),
            410: OpenApiResponse(description="The link has expired"),
        },
        summary="Download an export (the signed link from `download_url`)",
    )
    def get(self, request: Request, pk: Any) -> FileResponse:
        try:
            export = export_for_download(export_id=pk, token=request.query_params.get("token", ""))
        except LinkInvalid as exc:
            raise exceptions.NotFound("No such export.") from exc
        except LinkExpired as exc:
            raise LinkGone from exc
        name = f"tradefleet-export-{export.created_at:%Y%m%d-%H%M}.{export.file_extension}"
        return FileResponse(export_path(export).open("rb"), as_attachment=True, filename=name)
