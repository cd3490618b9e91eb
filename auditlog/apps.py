from django.apps import AppConfig


class AuditlogConfig(AppConfig):
    name = "auditlog"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from . import signals_logs, tasks_logs  # noqa: F401  tasks_logs registers its task

        signals_logs.connect()
