"""risk endpoints (reference/api.md, "Trading": the risk engine)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from trading.risk.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("risk", views.RiskPanelView.as_view(), name="risk-panel"),
    path("risk/run", views.RiskRunView.as_view(), name="risk-run"),
    path("risk/actions", views.RiskActionList.as_view(), name="risk-action-list"),
    path("risk/groups/<uuid:pk>/skip-once", views.RiskSkipOnceView.as_view(), name="risk-group-skip-once"),
    path("risk/groups/<uuid:pk>/block", views.RiskBlockView.as_view(), name="risk-group-block"),
]
