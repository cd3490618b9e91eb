"""ml/* endpoints: training jobs, the model registry, retraining schedules, the sample history (admin
only); the active models' figures (any trader, for the opt-in)."""

from __future__ import annotations

from django.urls import URLPattern, path

from mlops import api

urlpatterns: list[URLPattern] = [
    path("ml/jobs", api.JobListView.as_view(), name="ml-jobs"),
    path("ml/jobs/<uuid:pk>", api.JobDetailView.as_view(), name="ml-job"),
    path("ml/jobs/<uuid:pk>/cancel", api.JobCancelView.as_view(), name="ml-job-cancel"),
    path("ml/active", api.ActiveModelsView.as_view(), name="ml-active"),
    path("ml/sample-data", api.SampleHistoryView.as_view(), name="ml-sample-data"),
    path("ml/models", api.ModelListView.as_view(), name="ml-models"),
    path("ml/models/compare", api.ModelCompareView.as_view(), name="ml-models-compare"),
    path("ml/models/rollback", api.ModelRollbackView.as_view(), name="ml-models-rollback"),
    path("ml/models/<uuid:pk>/activate", api.ModelActivateView.as_view(), name="ml-model-activate"),
    path("ml/schedules", api.ScheduleListView.as_view(), name="ml-schedules"),
    path("ml/schedules/<int:pk>", api.ScheduleDetailView.as_view(), name="ml-schedule"),
]
