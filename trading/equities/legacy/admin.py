"""Legacy imports in Django admin, read-only: who imported what, the counts, every problem, the
rows created. Applying and rolling back go through the trader's page, the API or
`manage.py import_legacy` (imported by trading/equities/admin.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from trading.equities.models import LegacyImport

COLUMNS = ("read", "to_create", "duplicates", "problems")


@admin.register(LegacyImport)
class LegacyImportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "status", "file_list", "to_create", "problem_count", "rows_created")
    list_filter = ("status",)
    search_fields = ("id", "user__email")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    fields = (
        "id",
        "user",
        "created_by",
        "status",
        "files",
        "counts_table",
        "problem_list",
        "report",
        "rows_created",
        "created_at",
        "applied_at",
        "rolled_back_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a batch is the only record of what a rollback must remove

    @admin.display(description="files")
    def file_list(self, batch: LegacyImport) -> str:
        return ", ".join(batch.files or [])

    @admin.display(description="to create")
    def to_create(self, batch: LegacyImport) -> int:
        return sum(int(c.get("to_create", 0)) for c in (batch.counts or {}).values())

    @admin.display(description="problems")
    def problem_count(self, batch: LegacyImport) -> int:
        return len(batch.problems or [])

    @admin.display(description="rows created")
    def rows_created(self, batch: LegacyImport) -> int:
        return len(batch.created_rows or [])

    @admin.display(description="counts")
    def counts_table(self, batch: LegacyImport) -> str:
        head = format_html_join("", "<th>{}</th>", ((c.replace("_", " "),) for c in ("record", *COLUMNS)))
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (kind.replace("_", " "), *(counts.get(c, 0) for c in COLUMNS))
                for kind, counts in (batch.counts or {}).items()
            ),
        )
        return format_html("<table><tr>{}</tr>{}</table>", head, rows)

    @admin.display(description="problems")
    def problem_list(self, batch: LegacyImport) -> str:
        if not batch.problems:
            return "none"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}:{} {} {}{}</li>",
                (
                    (
                        p.get("file", ""),
                        p.get("line", ""),
                        p.get("field", ""),
                        p.get("message", ""),
                        " (blocks)" if p.get("blocking") else "",
                    )
                    for p in batch.problems
                ),
            ),
        )
