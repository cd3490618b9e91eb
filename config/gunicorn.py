"""gunicorn settings for the `web` process: the HTTP API, admin and webhooks (WSGI).

WebSockets are served by the `ws` process (uvicorn, ASGI); a reverse proxy sends `/ws/` there
(deploy/nginx.conf). Sync Django views under ASGI run one at a time per process and served the
webhook at a fraction of this rate (docs/benchmarks.md, P1), so HTTP goes through WSGI.

    gunicorn config.wsgi:application -c python:config.gunicorn

Environment: PORT (8000), WEB_CONCURRENCY (worker processes, default 2 per core),
GUNICORN_TIMEOUT (30 s), LOG_LEVEL.
"""

from __future__ import annotations

import gc
import multiprocessing
import os

# One persistent connection per sync worker (one request at a time each) is the cheapest way to
# the database; the psycopg pool is for the threaded processes (ws, Celery).
os.environ.setdefault("DATABASE_POOL", "false")
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "600")

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count())
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Access lines come from Django's request logging (redacted); gunicorn's would repeat them.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The proxy in front adds X-Forwarded-For; Django decides how many hops to trust
# (TRUSTED_PROXY_COUNT), so gunicorn must not rewrite anything itself.
forwarded_allow_ips = ""
proxy_allow_ips = ""


def child_exit(server: object, worker: object) -> None:
    """Prometheus multiprocess mode: a dead worker's live gauges must not be summed any more."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]


def post_worker_init(worker: object) -> None:
    """Live events from request threads go out through a loop of this worker's own. Then what
    the worker has loaded (~280,000 objects: Django, DRF, Celery, the app and its views) is
    moved out of the cyclic collector's reach: it lives as long as the process, and each full
    collection walked all of it, 100-200 ms during which the worker answered nothing
    (docs/benchmarks.md, P1)."""
    from django.urls import get_resolver

    from notifications.events import start_background_loop

    start_background_loop()
    get_resolver().url_patterns  # noqa: B018  imports every view now, not on the first request
    gc.collect()
    gc.freeze()
