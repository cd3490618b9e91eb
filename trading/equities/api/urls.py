"""equities/* endpoints of the NSE strategy (the issue 17 contract); every path names the
caller's own strategy. The legacy import's endpoints live in legacy_urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from trading.equities.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("equities/strategy", views.StrategySettingsView.as_view(), name="equities-strategy"),
    path("equities/tasks", views.StrategyTaskList.as_view(), name="equities-tasks"),
    path("equities/tasks/<str:task>/run", views.StrategyTaskRunView.as_view(), name="equities-task-run"),
    path("equities/analysis/runs", views.AnalysisRunList.as_view(), name="equities-analysis-runs"),
    path(
        "equities/analysis/runs/<uuid:run_id>",
        views.AnalysisRunDetail.as_view(),
        name="equities-analysis-run",
    ),
    path("equities/analysis/latest", views.LatestAnalysisView.as_view(), name="equities-analysis-latest"),
    path("equities/analysis/chart", views.ChartView.as_view(), name="equities-analysis-chart"),
    path("equities/recommendations", views.RecommendationList.as_view(), name="equities-recommendations"),
    path("equities/holdings", views.HoldingList.as_view(), name="equities-holdings"),
    path("equities/days", views.StrategyDayList.as_view(), name="equities-days"),
    path("", include("trading.equities.api.legacy_urls")),
]
