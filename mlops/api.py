"""The ML admin API under /api/v1/ml/ (docs/admin-guide/ml.md): training jobs, the model registry
and retraining schedules. Admins only; every change goes through a service and is audited."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdmin, IsViewer
from config.api.errors import Conflict
from mlops import serializers as s
from mlops.models import JobStatus, MLModel, ModelType, RetrainingSchedule, TrainingJob
from mlops.services.errors import MLConflict
from mlops.services.registry import model_activate, model_rollback, models_compare, models_for_traders
from mlops.services.sample_data import sample_history_load
from mlops.services.schedules import schedule_delete, schedule_save
from mlops.services.training import training_job_cancel, training_job_start


def _conflict(exc: MLConflict) -> NoReturn:
    raise Conflict(exc.message, code=exc.code) from exc


class AdminView(APIView):
    permission_classes = (IsAdmin,)


class JobListView(AdminView, generics.ListAPIView):
    serializer_class = s.TrainingJobSerializer

    def get_queryset(self) -> QuerySet[TrainingJob]:
        jobs = TrainingJob.objects.select_related("created_by", "model")
        wanted = self.request.query_params.get("status")
        if wanted in JobStatus.values:
            jobs = jobs.filter(status=wanted)
        kind = self.request.query_params.get("model_type")
        if kind in ModelType.values:
            jobs = jobs.filter(model_type=kind)
        return jobs

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=JobStatus.values, description="Only jobs in this state"),
            OpenApiParameter("model_type", str, enum=ModelType.values),
        ],
        summary="Training jobs, newest first (admin)",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.TrainingJobStartSerializer,
        responses={201: s.TrainingJobDetailSerializer},
        summary="Start a training job (admin): queued for the ML workers; progress arrives as ml.job.updated",
    )
    def post(self, request: Request) -> Response:
        body = s.TrainingJobStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = training_job_start(actor=request.user, request=request, **body.validated_data)
        return Response(s.TrainingJobDetailSerializer(job).data, status=status.HTTP_201_CREATED)


class JobDetailView(AdminView):
    @extend_schema(
        responses={200: s.TrainingJobDetailSerializer}, summary="A training job with its log (admin)"
    )
    def get(self, request: Request, pk: Any) -> Response:
        job = get_object_or_404(TrainingJob.objects.select_related("created_by"), pk=pk)
        return Response(s.TrainingJobDetailSerializer(job).data)


class JobCancelView(AdminView):
    @extend_schema(
        request=None,
        responses={
            200: s.TrainingJobDetailSerializer,
            409: OpenApiResponse(description="The job is done (job_finished)"),
        },
        summary="Cancel a training job (admin): a queued one at once, a running one at its next step",
    )
    def post(self, request: Request, pk: Any) -> Response:
        job = get_object_or_404(TrainingJob, pk=pk)
        try:
            job = training_job_cancel(job=job, actor=request.user, request=request)
        except MLConflict as exc:
            _conflict(exc)
        return Response(s.TrainingJobDetailSerializer(job).data)


class ModelListView(AdminView, generics.ListAPIView):
    serializer_class = s.MLModelSerializer

    def get_queryset(self) -> QuerySet[MLModel]:
        models = MLModel.objects.select_related("created_by", "activated_by")
        kind = self.request.query_params.get("model_type")
        return models.filter(model_type=kind) if kind in ModelType.values else models

    @extend_schema(
        parameters=[OpenApiParameter("model_type", str, enum=ModelType.values)],
        summary="Registered models with their metrics, by type and newest version first (admin)",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ModelCompareView(AdminView):
    @extend_schema(
        parameters=[s.MLModelCompareQuerySerializer],
        responses={200: s.MLModelComparisonSerializer},
        summary="Two models' metrics side by side, with b - a (admin)",
    )
    def get(self, request: Request) -> Response:
        query = s.MLModelCompareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        a = get_object_or_404(MLModel, pk=query.validated_data["a"])
        b = get_object_or_404(MLModel, pk=query.validated_data["b"])
        return Response(s.MLModelComparisonSerializer(models_compare(a, b)).data)


class ModelActivateView(AdminView):
    @extend_schema(
        request=None,
        responses={
            200: s.MLModelSerializer,
            409: OpenApiResponse(
                description="The artifact is missing or fails its checksum (artifact_invalid)"
            ),
        },
        summary="Activate a model (admin): the strategy uses it for traders who opted in",
    )
    def post(self, request: Request, pk: Any) -> Response:
        model = get_object_or_404(MLModel, pk=pk)
        try:
            model = model_activate(model=model, actor=request.user, request=request)
        except MLConflict as exc:
            _conflict(exc)
        return Response(s.MLModelSerializer(model).data)


class ModelRollbackView(AdminView):
    @extend_schema(
        request=s.MLModelRollbackSerializer,
        responses={
            200: s.MLModelSerializer,
            409: OpenApiResponse(
                description="No earlier model was active (no_previous_model), or its artifact is unusable"
            ),
        },
        summary="Activate the model of a type that was active before the current one (admin)",
    )
    def post(self, request: Request) -> Response:
        body = s.MLModelRollbackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            model = model_rollback(
                model_type=body.validated_data["model_type"], actor=request.user, request=request
            )
        except MLConflict as exc:
            _conflict(exc)
        return Response(s.MLModelSerializer(model).data)


class ScheduleListView(AdminView, generics.ListAPIView):
    serializer_class = s.RetrainingScheduleSerializer
    queryset = RetrainingSchedule.objects.order_by("name")

    @extend_schema(summary="Retraining schedules (admin)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.RetrainingScheduleSerializer,
        responses={201: s.RetrainingScheduleSerializer},
        summary="Schedule retraining (admin): a beat row trains on the cron; activation only if asked",
    )
    def post(self, request: Request) -> Response:
        body = s.RetrainingScheduleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        schedule = schedule_save(actor=request.user, values=dict(body.validated_data), request=request)
        return Response(s.RetrainingScheduleSerializer(schedule).data, status=status.HTTP_201_CREATED)


class ScheduleDetailView(AdminView):
    @extend_schema(responses={200: s.RetrainingScheduleSerializer}, summary="A retraining schedule (admin)")
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.RetrainingScheduleSerializer(get_object_or_404(RetrainingSchedule, pk=pk)).data)

    @extend_schema(
        request=s.RetrainingScheduleSerializer,
        responses={200: s.RetrainingScheduleSerializer},
        summary="Change a schedule (admin)",
    )
    def patch(self, request: Request, pk: int) -> Response:
        schedule = get_object_or_404(RetrainingSchedule, pk=pk)
        body = s.RetrainingScheduleSerializer(schedule, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        schedule = schedule_save(
            actor=request.user, values=dict(body.validated_data), schedule=schedule, request=request
        )
        return Response(s.RetrainingScheduleSerializer(schedule).data)

    @extend_schema(request=None, responses={204: None}, summary="Delete a schedule and its beat row (admin)")
    def delete(self, request: Request, pk: int) -> Response:
        schedule = get_object_or_404(RetrainingSchedule, pk=pk)
        schedule_delete(actor=request.user, schedule=schedule, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ActiveModelsView(APIView):
    permission_classes = (IsViewer,)

    @extend_schema(
        responses={200: s.ActiveModelsSerializer},
        summary="The active models' figures and the verdict versions a trader can pin (any user)",
    )
    def get(self, request: Request) -> Response:
        return Response(s.ActiveModelsSerializer(models_for_traders()).data)


class SampleHistoryView(AdminView):
    @extend_schema(
        request=None,
        responses={200: s.SampleHistorySerializer},
        summary="Store bokeh-sampledata's daily AAPL, GOOG, IBM, MSFT (2000-2013) as csv series (admin)",
    )
    def post(self, request: Request) -> Response:
        return Response(
            s.SampleHistorySerializer(sample_history_load(actor=request.user, request=request)).data
        )
