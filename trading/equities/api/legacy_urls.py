"""equities/legacy-imports/*: the import of the old NSE service's files (included by urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from trading.equities.api import legacy

urlpatterns: list[URLPattern] = [
    path("equities/legacy-imports", legacy.LegacyImportListCreate.as_view(), name="equities-legacy-imports"),
    path(
        "equities/legacy-imports/<uuid:pk>",
        legacy.LegacyImportDetail.as_view(),
        name="equities-legacy-import",
    ),
    path(
        "equities/legacy-imports/<uuid:pk>/apply",
        legacy.LegacyImportApply.as_view(),
        name="equities-legacy-import-apply",
    ),
    path(
        "equities/legacy-imports/<uuid:pk>/rollback",
        legacy.LegacyImportRollback.as_view(),
        name="equities-legacy-import-rollback",
    ),
]
