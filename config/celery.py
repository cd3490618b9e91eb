"""The Celery application. Settings come from Django's (`CELERY_*`), see config/settings.py."""

from __future__ import annotations

import os

from celery import Celery, Task
from celery.signals import task_postrun, task_prerun, worker_init, worker_process_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tradefleet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Platform tasks that live in config/ rather than in an app.
app.autodiscover_tasks(["config"], related_name="heartbeat")


@app.on_after_finalize.connect
def _db_reuse(sender: Celery, **_: object) -> None:
    # Celery's Django fixup reads this key under its old upper-case name only.
    from django.conf import settings

    sender.conf["CELERY_DB_REUSE_MAX"] = settings.CELERY_DB_REUSE_MAX


@task_prerun.connect
@task_postrun.connect
def _drop_lost_db_connections(sender: Task | None = None, **_: object) -> None:
    # The fixup above keeps a connection for thousands of tasks and never checks it: a connection
    # the server dropped would fail every task until then (config/dbconn.py). An eager task runs
    # inside its caller's work, on the caller's connection, which is not ours to close.
    if sender is not None and not getattr(sender.request, "is_eager", False):
        from .dbconn import db_connections_heal

        db_connections_heal()


@worker_ready.connect
def _serve_worker_metrics(**_: object) -> None:
    port = os.environ.get("CELERY_METRICS_PORT")
    if port:
        from .metrics import start_worker_metrics_server

        start_worker_metrics_server(int(port))


@worker_init.connect
@worker_process_init.connect
def _event_loop_for_live_events(**_: object) -> None:
    # Live events leave a worker fire-and-forget through a loop of its own (one per process:
    # prefork children each start theirs). The embedded worker shares the server's loop instead.
    from django.conf import settings

    if not settings.EMBEDDED:
        from notifications.events import start_background_loop

        start_background_loop()
