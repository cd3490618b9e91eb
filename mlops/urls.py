"""ml/* endpoints (admin only): training jobs, the model registry, retraining schedules."""

from __future__ import annotations

from django.urls import URLPattern, path

from mlops import api

urlpatterns: list[URLPattern] = [
    path("ml/jobs", api.JobListView.as_view(), name="ml-jobs"),
    path("ml/jobs/<uuid:pk>", api.JobDetailView.as_view(), name="ml-job"),
    path("ml/jobs/<uuid:pk>/cancel", api.JobCancelView.as_view(), name="ml-job-cancel"),
    path("ml/models", api.ModelListView.as_view(), name="ml-models"),
    path("ml/models/compare", api.ModelCompareView.as_view(), name="ml-models-compare"),
    path("ml/models/rollback", api.ModelRollbackView.as_view(), name="ml-models-rollback"),
    path("ml/models/<uuid:pk>/activate", api.ModelActivateView.as_view(), name="ml-model-activate"),
    path("ml/schedules", api.ScheduleListView.as_view(), name="ml-schedules"),
    path("ml/schedules/<int:pk>", api.ScheduleDetailView.as_view(), name="ml-schedule"),
]
