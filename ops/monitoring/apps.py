"""The admin's performance dashboard (rolled-up metrics by minute) and the alerts on them."""

from typing import Any

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "ops.monitoring"
    label = "monitoring"
    verbose_name = "Performance and alerts"

    def ready(self) -> None:
        from celery.signals import worker_init, worker_process_init
        from django.core.signals import request_started

        from config.metrics_db import install_query_timer

        install_query_timer()
        # Each process that serves or works flushes its own metrics (ops/monitoring/recorder.py);
        # a management command (migrate, shell) starts none.
        request_started.connect(_web_started, dispatch_uid="monitoring-web-recorder")
        worker_init.connect(_worker_started, dispatch_uid="monitoring-worker-recorder", weak=False)
        worker_process_init.connect(
            _worker_started, dispatch_uid="monitoring-worker-child-recorder", weak=False
        )


def _web_started(**_: Any) -> None:
    from .recorder import recorder, recorder_start

    if recorder() is None:
        recorder_start("web")


def _worker_started(**_: Any) -> None:
    from .recorder import recorder_start

    recorder_start("worker")
