from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("admin/performance", views.PerformanceView.as_view(), name="admin-performance"),
    path("admin/alerts", views.AlertsView.as_view(), name="admin-alerts"),
    path("admin/alerts/<str:key>", views.AlertRuleView.as_view(), name="admin-alert-rule"),
]
