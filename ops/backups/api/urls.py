"""admin/backups/* endpoints (admin only): the list, "back up now", the schedule, download, verify."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("admin/backups", views.BackupListView.as_view(), name="backups"),
    path("admin/backups/schedule", views.BackupScheduleView.as_view(), name="backup-schedule"),
    path("admin/backups/<uuid:pk>", views.BackupDetailView.as_view(), name="backup"),
    path("admin/backups/<uuid:pk>/download", views.BackupDownloadView.as_view(), name="backup-download"),
    path("admin/backups/<uuid:pk>/verify", views.BackupVerifyView.as_view(), name="backup-verify"),
]
