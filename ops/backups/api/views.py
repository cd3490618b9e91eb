"""The backups admin API under /api/v1/admin/backups (docs/admin-guide/backups.md). Admins only;
every action goes through ops.backups.schedule and lands in the audit trail."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdmin
from auditlog.services import record
from config.api.errors import Conflict
from ops.backups import storage
from ops.backups.models import Backup, BackupSchedule
from ops.backups.schedule import (
    BackupAlreadyRunning,
    NotVerifiable,
    request_backup,
    request_verify,
    schedule_update,
)

from .serializers import BackupScheduleSerializer, BackupSerializer


class AdminView(APIView):
    permission_classes = (IsAdmin,)


class BackupListView(AdminView, generics.ListAPIView):
    serializer_class = BackupSerializer

    def get_queryset(self) -> QuerySet[Backup]:
        return Backup.objects.select_related("requested_by").order_by("-created_at")

    @extend_schema(summary="Backups, newest first (admin)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=None,
        responses={
            202: BackupSerializer,
            409: OpenApiResponse(description="A backup is already running (backup_running)"),
        },
        summary="Back up now (admin): queued for a worker; poll the row for progress",
    )
    def post(self, request: Request) -> Response:
        try:
            backup = request_backup(trigger=Backup.Trigger.MANUAL, requested_by=request.user, request=request)
        except BackupAlreadyRunning as exc:
            raise Conflict(str(exc), code="backup_running") from exc
        return Response(BackupSerializer(backup).data, status=status.HTTP_202_ACCEPTED)


class BackupDetailView(AdminView):
    @extend_schema(responses={200: BackupSerializer}, summary="One backup with its progress (admin)")
    def get(self, request: Request, pk: Any) -> Response:
        return Response(
            BackupSerializer(get_object_or_404(Backup.objects.select_related("requested_by"), pk=pk)).data
        )


class BackupVerifyView(AdminView):
    @extend_schema(
        request=None,
        responses={
            202: BackupSerializer,
            409: OpenApiResponse(
                description="Not a kept, successful backup, or being verified (not_verifiable)"
            ),
        },
        summary="Verify a backup again (admin): a test restore into a scratch database",
    )
    def post(self, request: Request, pk: Any) -> Response:
        backup = get_object_or_404(Backup, pk=pk)
        try:
            backup = request_verify(backup=backup, actor=request.user, request=request)
        except NotVerifiable as exc:
            raise Conflict(str(exc), code="not_verifiable") from exc
        return Response(BackupSerializer(backup).data, status=status.HTTP_202_ACCEPTED)


class BackupDownloadView(AdminView):
    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: None},
        summary="The archive file (admin); 404 once retention pruned it",
    )
    def get(self, request: Request, pk: Any) -> FileResponse | StreamingHttpResponse:
        from ops.backups.services import backup_path

        backup = get_object_or_404(Backup, pk=pk, status=Backup.Status.SUCCEEDED, pruned_at=None)
        path = backup_path(backup)
        if path.is_file():
            response: FileResponse | StreamingHttpResponse = FileResponse(
                open(path, "rb"),  # FileResponse closes it when sent
                as_attachment=True,
                filename=backup.file_name,
                content_type="application/octet-stream",
            )
        elif backup.remote_key and storage.enabled():
            response = StreamingHttpResponse(
                storage.stream(backup.remote_key), content_type="application/octet-stream"
            )
            response["Content-Disposition"] = f'attachment; filename="{backup.file_name}"'
        else:
            raise Http404("The backup's file is gone.")
        record(action="backup.download", actor=request.user, resource=backup, request=request)
        return response


class BackupScheduleView(AdminView):
    @extend_schema(responses={200: BackupScheduleSerializer}, summary="The nightly backup's schedule (admin)")
    def get(self, request: Request) -> Response:
        return Response(BackupScheduleSerializer(BackupSchedule.get()).data)

    @extend_schema(
        request=BackupScheduleSerializer,
        responses={200: BackupScheduleSerializer},
        summary="Change the schedule (admin): time of day (UTC), on/off, verify after",
    )
    def patch(self, request: Request) -> Response:
        body = BackupScheduleSerializer(BackupSchedule.get(), data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        schedule = schedule_update(actor=request.user, values=dict(body.validated_data), request=request)
        return Response(BackupScheduleSerializer(schedule).data)
