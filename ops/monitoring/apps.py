from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "ops.monitoring"
    label = "monitoring"
    verbose_name = "Performance and alerts"
