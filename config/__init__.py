import os

# Prometheus multiprocess mode needs its directory before any metric is created.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

from .celery import app as celery_app

__all__ = ("celery_app",)
