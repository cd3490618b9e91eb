"""Django admin for the NSE strategy: each trader's settings with their seven schedules, the
shared symbol analyses, the runs, recommendations and day summaries (read-only: workers write
them), and legacy imports (trading/equities/legacy/admin.py)."""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from trading.equities.models import AnalysisRun, EquitiesStrategy, Recommendation, StrategyDay, SymbolAnalysis
from trading.equities.services.runner import strategy_task_run_now
from trading.equities.services.schedules import strategy_schedules_sync, strategy_tasks_overview
from trading.runtime.admin_base import EngineOwnedAdmin


@admin.register(EquitiesStrategy)
class EquitiesStrategyAdmin(EngineOwnedAdmin):
    """Traders change their strategy in the web app (audited, validated); admins look, re-sync the
    beat rows and run the analysis for a trader."""

    list_display = ("user", "enabled", "account", "universe_size", "timezone", "updated_at")
    list_filter = ("enabled",)
    search_fields = ("user__email",)
    readonly_fields = ("schedules",)
    actions = ("sync_schedules", "run_analysis_now")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*super().get_readonly_fields(request, obj), "schedules"]

    @admin.display(description="stocks")
    def universe_size(self, obj: EquitiesStrategy) -> int:
        return len(obj.universe or [])

    @admin.display(description="the seven tasks")
    def schedules(self, obj: EquitiesStrategy) -> str:
        lines = []
        for task in strategy_tasks_overview(user_id=obj.user_id):
            last = task["last_run"]
            outcome = f"{last['status']} at {last['started_at']:%Y-%m-%d %H:%M} UTC" if last else "never ran"
            state = f"next {task['next_run']:%Y-%m-%d %H:%M} UTC" if task["next_run"] else "disabled"
            lines.append(f"{task['task']}: {task['cron']} ({task['timezone']}), {state}; last: {outcome}")
        return "\n".join(lines)

    @admin.action(description="Re-sync the selected strategies' beat rows")
    def sync_schedules(self, request: HttpRequest, queryset: QuerySet[EquitiesStrategy]) -> None:
        self._each(
            request, queryset, lambda s: strategy_schedules_sync(user_id=s.user_id), done="beat rows synced"
        )

    @admin.action(description="Run the analysis now for the selected traders")
    def run_analysis_now(self, request: HttpRequest, queryset: QuerySet[EquitiesStrategy]) -> None:
        self._each(
            request,
            queryset,
            lambda s: strategy_task_run_now(
                user=s.user, task="analysis", actor=request.user, request=request
            ),
            done="analysis sent to the workers",
        )


@admin.register(SymbolAnalysis)
class SymbolAnalysisAdmin(EngineOwnedAdmin):
    list_display = (
        "day",
        "symbol",
        "source",
        "verdict",
        "tradeable",
        "combined",
        "rejected_rule",
        "rules_key",
    )
    list_filter = ("day", "verdict", "tradeable", "source")
    search_fields = ("symbol",)


@admin.register(AnalysisRun)
class AnalysisRunAdmin(EngineOwnedAdmin):
    list_display = ("day", "user", "status", "source", "tradeable_count", "started_at", "finished_at")
    list_filter = ("status", "day")
    search_fields = ("user__email",)


@admin.register(Recommendation)
class RecommendationAdmin(EngineOwnedAdmin):
    list_display = ("day", "user", "rank", "symbol", "verdict", "quantity", "status", "reason")
    list_filter = ("status", "day")
    search_fields = ("user__email", "symbol")


@admin.register(StrategyDay)
class StrategyDayAdmin(EngineOwnedAdmin):
    list_display = ("day", "user", "summary")
    search_fields = ("user__email",)


# The legacy import's admin, once that package has one.
if (
    find_spec("trading.equities.legacy") is not None
    and find_spec("trading.equities.legacy.admin") is not None
):
    import_module("trading.equities.legacy.admin")
