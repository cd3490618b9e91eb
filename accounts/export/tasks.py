"""Celery entry points of data exports (registered through accounts/tasks.py's import)."""

from __future__ import annotations

from config.tasks import house_task

from .services import export_run, exports_sweep

# A message lost or expired in a backlog is sent again by the sweep below (a queued export older
# than services.RESEND_QUEUED), so an `expires` is safe here.
EXPIRES = 3600


@house_task(expires=EXPIRES)
def run_export(*, export_id: str) -> None:
    export_run(export_id=export_id)


@house_task(expires=540)
def delete_expired_exports() -> None:
    exports_sweep()
