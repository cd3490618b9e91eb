"""equities/legacy-imports: upload the old NSE service's files (always a dry run), read the report,
apply it, roll it back (docs/user-guide/legacy-import.md). Thin: trading.equities.legacy.services
does the work; every batch is the caller's own (another trader's is a 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import ReadOrTrade
from config.api.errors import Conflict
from trading.equities.legacy import archive
from trading.equities.legacy.services import (
    LegacyImportConflict,
    legacy_import_apply,
    legacy_import_create,
    legacy_import_rollback,
)
from trading.equities.models import LegacyImport

# --- serializers -----------------------------------------------------------------------------------


class LegacyProblemSerializer(serializers.Serializer):
    file = serializers.CharField()
    line = serializers.IntegerField(help_text="Where the record starts in the file (0: the file as a whole)")
    field = serializers.CharField(allow_blank=True)
    message = serializers.CharField()
    blocking = serializers.BooleanField(help_text="True: the file is wrong and the apply is refused")


class LegacyCountsSerializer(serializers.Serializer):
    read = serializers.IntegerField()
    to_create = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    problems = serializers.IntegerField()


class LegacyMappingSerializer(serializers.Serializer):
    # "from" is a Python keyword: declared through the class namespace.
    locals()["from"] = serializers.CharField(help_text="File and kind of record")
    to = serializers.CharField(help_text="The rows each record becomes")
    count = serializers.IntegerField(help_text="Records to write")


class LegacyAccountRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    exchange = serializers.CharField()
    label = serializers.CharField()


class LegacyReportSerializer(serializers.Serializer):
    mapping = LegacyMappingSerializer(many=True)
    account = LegacyAccountRefSerializer(allow_null=True, help_text="Where the trades go")
    paper_account = LegacyAccountRefSerializer(
        allow_null=True, help_text="Whose paper ledger the paper files go to"
    )
    blocking = serializers.BooleanField(help_text="A problem blocks the apply")


class LegacyImportSerializer(serializers.ModelSerializer):
    files = serializers.ListField(child=serializers.CharField())
    counts = serializers.DictField(
        child=LegacyCountsSerializer(),
        help_text="Per kind of record (trade, failed_order, pending_order, ...)",
    )
    problems = LegacyProblemSerializer(many=True)
    report = serializers.SerializerMethodField()
    rows_created = serializers.SerializerMethodField()

    class Meta:
        model = LegacyImport
        fields = (
            "id",
            "status",
            "files",
            "counts",
            "problems",
            "report",
            "rows_created",
            "created_at",
            "applied_at",
            "rolled_back_at",
        )
        read_only_fields = fields

    @extend_schema_field(LegacyReportSerializer)
    def get_report(self, batch: LegacyImport) -> dict[str, Any]:
        report = batch.report or {}
        return {
            "mapping": report.get("mapping", []),
            "account": report.get("account"),
            "paper_account": report.get("paper_account"),
            "blocking": bool(report.get("blocking")),
        }

    def get_rows_created(self, batch: LegacyImport) -> int:
        return len(batch.created_rows or [])


class LegacyUploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(),
        help_text=(
            "Any of trades_history.json, pending_orders.json, system_recommended_symbols.json, orders.json, "
            "holdings.json, transactions.json; or one .zip holding them (sub-folders allowed)"
        ),
    )
    account = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="The equities account the trades go to; default the strategy's",
    )


# --- views ---------------------------------------------------------------------------------------


def _batch(request: Request, pk: Any) -> LegacyImport:
    return get_object_or_404(LegacyImport.objects.select_related("user"), pk=pk, user=request.user)


def _conflict(exc: LegacyImportConflict) -> Conflict:
    return Conflict(detail=exc.message, code=exc.code)


class LegacyImportListCreate(generics.ListAPIView):
    permission_classes = (ReadOrTrade,)
    serializer_class = LegacyImportSerializer
    parser_classes = (MultiPartParser, FormParser)

    def get_queryset(self) -> QuerySet[LegacyImport]:
        if getattr(self, "swagger_fake_view", False):
            return LegacyImport.objects.none()
        return LegacyImport.objects.filter(user=self.request.user).order_by("-created_at")

    @extend_schema(summary="Your imports of the old NSE service's files, newest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": LegacyUploadSerializer},
        responses={
            201: LegacyImportSerializer,
            400: OpenApiResponse(
                description="No known file, a bad zip, over 20 MB, or no account for the trades"
            ),
        },
        summary="Upload the old service's files: always a dry run (counts, mapping, problems)",
    )
    def post(self, request: Request) -> Response:
        uploads = [upload for key in request.FILES for upload in request.FILES.getlist(key)]
        if not uploads:
            raise serializers.ValidationError({"files": ["Attach the old service's files (or one zip)."]})
        if sum(upload.size or 0 for upload in uploads) > archive.MAX_TOTAL_BYTES:
            raise serializers.ValidationError({"files": ["The files are over 20 MB together."]})
        form = LegacyUploadSerializer(data={"account": request.data.get("account") or None})
        form.fields["files"].required = False
        form.is_valid(raise_exception=True)
        try:
            files = archive.collect((upload.name or "", upload.read()) for upload in uploads)
        except archive.ArchiveError as exc:
            raise serializers.ValidationError({"files": [str(exc)]}) from exc
        batch = legacy_import_create(
            user=request.user,
            files=files,
            account=form.validated_data.get("account"),
            actor=request.user,
            request=request,
        )
        return Response(LegacyImportSerializer(batch).data, status=status.HTTP_201_CREATED)


class LegacyImportDetail(APIView):
    permission_classes = (ReadOrTrade,)

    @extend_schema(responses={200: LegacyImportSerializer}, summary="One import with its report")
    def get(self, request: Request, pk: Any) -> Response:
        return Response(LegacyImportSerializer(_batch(request, pk)).data)


class LegacyImportApply(APIView):
    permission_classes = (ReadOrTrade,)

    @extend_schema(
        request=None,
        responses={
            200: LegacyImportSerializer,
            409: OpenApiResponse(description="Not a dry run, or a problem in the files blocks it"),
        },
        summary="Apply a dry run: write its rows in one transaction",
    )
    def post(self, request: Request, pk: Any) -> Response:
        batch = _batch(request, pk)
        try:
            batch = legacy_import_apply(batch=batch, actor=request.user, request=request)
        except LegacyImportConflict as exc:
            raise _conflict(exc) from exc
        return Response(LegacyImportSerializer(batch).data)


class LegacyImportRollback(APIView):
    permission_classes = (ReadOrTrade,)

    @extend_schema(
        request=None,
        responses={
            200: LegacyImportSerializer,
            409: OpenApiResponse(description="Not applied, or rows made since depend on the imported ones"),
        },
        summary="Roll an applied import back: delete exactly the rows it created",
    )
    def post(self, request: Request, pk: Any) -> Response:
        batch = _batch(request, pk)
        try:
            batch = legacy_import_rollback(batch=batch, actor=request.user, request=request)
        except LegacyImportConflict as exc:
            raise _conflict(exc) from exc
        return Response(LegacyImportSerializer(batch).data)
