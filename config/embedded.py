"""The whole platform in one process (`make run`, `manage.py run_embedded`).

One ASGI server (uvicorn) serves HTTP and WebSocket on the main thread's event loop; in embedded
mode (no REDIS_URL: broker `memory://`, in-memory channel layer) a Celery worker and beat run as
threads of the same process, since an in-memory broker cannot be shared with other processes.
With REDIS_URL set only the web server runs here; workers and beat are separate processes.

Ctrl-C or SIGTERM: uvicorn stops accepting, closes the sockets and returns; then beat and the
worker stop (a task that is running is given a few seconds) and the threads are joined.
See reference/stack-notes.md, "One-process embedded mode", for the traps avoided here.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from celery import beat
from celery.worker import WorkController
from django.conf import settings
from django.db import connections

from brokers.kotak_simulator import KotakSimulatorServer
from brokers.simulator import EmbeddedSimulator
from notifications import events

from . import allocator
from .celery import app
from .env import local_secret

logger = logging.getLogger("tradefleet.embedded")

WORKER_START_TIMEOUT = 30.0
WORKER_STOP_TIMEOUT = 10.0
BEAT_STOP_TIMEOUT = 5.0
# Worker threads. Most of a task's time is spent waiting (the exchange, the database's one writer),
# not in the interpreter: with 2 threads `make run` kept up with about 15 webhooks/s and left a
# fifth of a core idle; with 4 it handled 20/s for an hour, about a minute behind (docs/benchmarks.md,
# "`make run`'s hour at 20 webhooks/s").
WORKER_THREADS = 4


def describe_mode(*, concurrency: int) -> str:
    """One line saying what this process runs and on what (never a credential)."""
    db = settings.DATABASES["default"]
    engine = connections["default"].vendor
    if engine == "sqlite":
        database = f"SQLite {db['NAME']}"
    else:
        database = (
            f"{engine} {db.get('NAME')} on {db.get('HOST') or 'local socket'}:{db.get('PORT') or 'default'}"
        )
    if settings.EMBEDDED:
        return (
            f"Tradefleet embedded mode: database {database}; broker memory:// (in-process); "
            f"in-memory channel layer; local-memory cache; Celery worker ({concurrency} threads) "
            "and beat run inside this process"
        )
    redis = urlsplit(settings.REDIS_URL)
    return (
        f"Tradefleet production mode: database {database}; broker, cache and channel layer on Redis "
        f"{redis.hostname}:{redis.port or 6379}; this process serves HTTP and WebSocket only: start "
        "workers with `celery -A config worker` and one scheduler with `celery -A config beat`"
    )


def worker_queues() -> list[str]:
    """The only worker here takes every queue: the default one, position protection (`ticks`,
    which separate deployments also give to worker-ticks) and training (`ml`, worker-ml's)."""
    return [app.conf.task_default_queue, settings.TICK_QUEUE, settings.ML_QUEUE]


class EmbeddedWorker:
    """A Celery worker with a thread pool, running in a thread of this process.

    `WorkController`, not `app.Worker`: the latter installs signal handlers, which only the main
    thread may do. It is stopped the way its own signal handlers would (`state.should_stop`, read
    by the consumer loop in the worker's thread), so no Celery object is touched across threads.
    """

    def __init__(self, *, concurrency: int = WORKER_THREADS, hostname: str | None = None) -> None:
        self.concurrency = concurrency
        self.hostname = hostname or f"embedded@{socket.gethostname()}"
        self._thread: threading.Thread | None = None

    def start(self, *, timeout: float = WORKER_START_TIMEOUT) -> None:
        from celery.app.trace import setup_worker_optimizations
        from celery.worker import state

        # What `celery worker` does first (app.Worker): among others, tasks see our hostname.
        setup_worker_optimizations(app, self.hostname)
        state.should_stop = None
        state.should_terminate = None
        ready = threading.Event()
        controller = app.WorkController(
            hostname=self.hostname,
            pool_cls="threads",
            concurrency=self.concurrency,
            loglevel=settings.LOG_LEVEL,
            ready_callback=lambda consumer: ready.set(),
            # Nothing to meet or to tell: this is the only worker on this broker.
            without_mingle=True,
            without_gossip=True,
            without_heartbeat=True,
            task_events=False,
            queues=worker_queues(),
        )
        self._thread = threading.Thread(
            target=self._run, args=(controller,), name="celery-worker", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not ready.wait(0.05):
            if not self._thread.is_alive():
                raise RuntimeError("the embedded Celery worker failed to start (see the log above)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the embedded Celery worker did not start within {timeout:.0f} s")

    def _wake(self) -> None:
        try:
            app.control.broadcast("ping", destination=[self.hostname], reply=False)
        except Exception:  # only a shortcut: without it the worker still stops, just later
            logger.debug("could not wake the worker", exc_info=True)

    @staticmethod
    def _run(controller: WorkController) -> None:
        try:
            controller.start()
        finally:
            connections.close_all()

    def request_stop(self) -> None:
        """Ask for a warm shutdown (running tasks may finish); `join` waits for it."""
        from celery.worker import state

        if self._thread is not None:
            state.should_stop = 0  # exit code 0; the consumer loop checks it at least every 2 s

    def join(self, *, timeout: float = WORKER_STOP_TIMEOUT) -> bool:
        """True when the worker thread has ended."""
        from celery.worker import state

        if self._thread is None:
            return True
        # The consumer loop notices `should_stop` only between two 2-second waits for messages
        # (twice over, the way celery.worker.loops.synloop is written): a message for this worker
        # ends each wait at once, so the stop takes a fraction of a second instead of up to 4 s.
        deadline = time.monotonic() + timeout
        while self._thread.is_alive() and time.monotonic() < deadline:
            self._wake()
            self._thread.join(0.1)
        if self._thread.is_alive():
            logger.warning("the Celery worker is still busy after %.0f s; leaving it behind", timeout)
            return False
        state.should_stop = None
        self._thread = None
        return True


class EmbeddedBeat:
    """Celery beat with django-celery-beat's database scheduler, in a thread of this process.

    This is what `celery.beat.EmbeddedService(app, thread=True, scheduler_cls=...)` builds (a
    `Service` ticking at least every second, so that it stops promptly), run in our own thread so
    that its database connection is closed when it ends. The scheduler must be given explicitly:
    the service ignores CELERY_BEAT_SCHEDULER.
    """

    def __init__(self) -> None:
        from django_celery_beat.schedulers import DatabaseScheduler

        self._service = beat.Service(app, max_interval=1, scheduler_cls=DatabaseScheduler)
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="celery-beat", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            app.set_current()
            self._service.start()
        except Exception:
            logger.exception("the embedded Celery beat stopped on an error")
        finally:
            connections.close_all()

    def request_stop(self) -> None:
        if self._thread is not None:
            self._service.stop(wait=False)  # wait=True would block forever if beat never started

    def join(self, *, timeout: float = BEAT_STOP_TIMEOUT) -> bool:
        """True when the beat thread has ended."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        if self._thread.is_alive():
            logger.warning("Celery beat did not stop within %.0f s; leaving it behind", timeout)
            return False
        self._thread = None
        return True


def _free_url(name: str, what: str, *, default_port: int) -> str:
    """The setting `name` (a simulator's URL), or, when the environment does not set it and its
    port is taken (another instance beside this one), the same host on a free port, said in one
    line. A URL the environment sets is used as it is."""
    current = str(getattr(settings, name))
    url = urlsplit(current)
    host, port = url.hostname or "127.0.0.1", url.port or default_port
    if os.environ.get(name) or _can_bind(host, port):
        return current
    with socket.socket() as probe:
        probe.bind((host, 0))
        free = int(probe.getsockname()[1])
    moved = f"{url.scheme or 'http'}://{host}:{free}"
    logger.warning("port %s is taken: %s listens on %s instead (set %s to choose)", port, what, moved, name)
    return moved


def _can_bind(host: str, port: int) -> bool:
    with socket.socket() as probe:
        # As the servers bind: a port left in TIME_WAIT by our own last run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def start_simulator() -> EmbeddedSimulator:
    """The built-in exchange simulator in background threads of this process, at SIMULATOR_URL,
    with a funded demo key that stays the same across restarts (kept in var/)."""
    from brokers.simulator import SimulatorOptions, start_embedded

    settings.SIMULATOR_URL = _free_url("SIMULATOR_URL", "the exchange simulator", default_port=9009)
    url = urlsplit(settings.SIMULATOR_URL)
    options = SimulatorOptions(
        host=url.hostname or "127.0.0.1",
        port=url.port or 9009,
        seed=settings.SIMULATOR_SEED,
        price_source=settings.SIMULATOR_PRICE_SOURCE,
        control_token=settings.SIMULATOR_CONTROL_TOKEN,
    )
    try:
        simulator = start_embedded(
            options,
            demo_api_key=local_secret("simulator_demo_api_key"),
            demo_api_secret=local_secret("simulator_demo_api_secret"),
        )
    except OSError as exc:
        raise RuntimeError(
            f"the exchange simulator cannot listen on {settings.SIMULATOR_URL} ({exc}); "
            "set SIMULATOR_URL to a free port, e.g. SIMULATOR_URL=http://127.0.0.1:9019"
        ) from exc
    logger.info("exchange simulator on %s (%s prices)", simulator.base_url, options.price_source)
    return simulator


def start_kotak_simulator() -> KotakSimulatorServer:
    """The Kotak Neo simulator in background threads of this process, at KOTAK_SIMULATOR_URL, with
    NSE holidays (plus NSE_EXTRA_HOLIDAYS) and the control token from settings."""
    from brokers.kotak_simulator import KotakSimulatorOptions
    from brokers.nse_calendar import nse_calendar

    settings.KOTAK_SIMULATOR_URL = _free_url(
        "KOTAK_SIMULATOR_URL", "the Kotak Neo simulator", default_port=9010
    )
    url = urlsplit(settings.KOTAK_SIMULATOR_URL)
    options = KotakSimulatorOptions(
        host=url.hostname or "127.0.0.1",
        port=url.port or 9010,
        calendar=nse_calendar(),
        control_token=settings.KOTAK_SIMULATOR_CONTROL_TOKEN,
        public_consumer_key=settings.KOTAK_SIMULATOR_PUBLIC_KEY,
    )
    try:
        server = KotakSimulatorServer(options).start()
    except OSError as exc:
        raise RuntimeError(
            f"the Kotak simulator cannot listen on {settings.KOTAK_SIMULATOR_URL} ({exc}); "
            "set KOTAK_SIMULATOR_URL to a free port, e.g. KOTAK_SIMULATOR_URL=http://127.0.0.1:9020"
        ) from exc
    logger.info("Kotak Neo simulator on %s", server.base_url)
    return server


def _send_startup_heartbeat() -> None:
    # The health view shows live workers from the heartbeat; beat's first one is 30 s away.
    from .heartbeat import heartbeat

    heartbeat.delay()


def server_config(
    *, host: str, port: int, app: str | Callable[..., Any] = "config.asgi:application"
) -> uvicorn.Config:
    """How `make run` serves HTTP and WebSocket (the same choices as the `ws` process, Procfile);
    `app` is for tests."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="off",
        # Keep Django's logging (and its filter that redacts `token=` from the WebSocket URL).
        log_config=None,
        ws="websockets-sansio",
        # Clients only send pings; 64 KiB is plenty and caps what a client can make us buffer.
        ws_max_size=64 * 1024,
        server_header=False,
        timeout_graceful_shutdown=5,
        # uvicorn's defaults take the client address from X-Forwarded-For when the peer is
        # 127.0.0.1, so any local client, or anything behind a local proxy, could pick its IP: escape
        # the per-IP throttles and the login lockout, and write what it likes into the audit trail.
        # The client is the peer; a proxy in front is declared with TRUSTED_PROXY_COUNT, which
        # config/request_meta.py reads like DRF's throttles do.
        proxy_headers=False,
        forwarded_allow_ips=[],
    )


def serve(
    *,
    host: str,
    port: int,
    concurrency: int = WORKER_THREADS,
    before_start: Callable[[], None] | None = None,
    on_ready: Callable[[], None] | None = None,
) -> int:
    """Run until SIGINT or SIGTERM. `before_start` runs once the port is ours, before any thread
    starts; `on_ready` once the server accepts connections. Returns 0 when everything stopped, 1
    when a thread was left running (the caller should then end the process without waiting)."""
    config = server_config(host=host, port=port)
    server = uvicorn.Server(config)
    logger.info(describe_mode(concurrency=concurrency))
    # Bind first: a port already in use ends the start here (exit 1), before anything else happens.
    sock = config.bind_socket()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        # Before and after uvicorn's own handlers are in place (uvicorn also re-raises the signal
        # it caught once it has stopped: this handler absorbs it instead of a KeyboardInterrupt).
        server.should_exit = True

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    trimmer = allocator.PeriodicTrim(settings.EMBEDDED_MALLOC_TRIM_SECONDS if settings.EMBEDDED else 0)
    if settings.EMBEDDED:
        allocator.limit_arenas()  # before the simulators', worker's and beat's threads start
    worker: EmbeddedWorker | None = None
    scheduler: EmbeddedBeat | None = None
    simulator: EmbeddedSimulator | None = None
    kotak_simulator: KotakSimulatorServer | None = None
    stopped = True
    try:
        if settings.SIMULATOR_EMBEDDED:
            simulator = start_simulator()
        if settings.KOTAK_SIMULATOR_EMBEDDED:
            kotak_simulator = start_kotak_simulator()
        if before_start is not None:
            before_start()
        if settings.EMBEDDED:
            worker = EmbeddedWorker(concurrency=concurrency)
            worker.start()
            scheduler = EmbeddedBeat()
            scheduler.start()
            trimmer.start()
            _send_startup_heartbeat()
        # The event loop thread must not hold a database connection; requests use their own.
        connections.close_all()
        if not server.should_exit:
            with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
                runner.run(_serve(server, sock, on_ready))
    finally:
        logger.info("stopping: web server closed%s", "; stopping beat and the worker" if worker else "")
        trimmer.stop()
        # Both are asked at once, then awaited: beat wakes within 1 s, the worker within 2 s.
        for service in (scheduler, worker):
            if service is not None:
                service.request_stop()
        for service in (scheduler, worker):
            if service is not None:
                stopped = service.join() and stopped
        if simulator is not None:
            simulator.stop()
        if kotak_simulator is not None:
            kotak_simulator.stop()
        events.set_server_loop(None)
        sock.close()
        connections.close_all()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    logger.info("Tradefleet stopped%s", "" if stopped else " (a thread did not stop in time)")
    return 0 if stopped else 1


async def _serve(server: uvicorn.Server, sock: socket.socket, on_ready: Callable[[], None] | None) -> None:
    # Sends to the in-memory channel layer from other threads are scheduled on this loop.
    events.set_server_loop(asyncio.get_running_loop())

    async def announce() -> None:
        while not server.started:
            await asyncio.sleep(0.05)
        if on_ready is not None:
            on_ready()

    announcer = asyncio.create_task(announce())
    try:
        await server.serve(sockets=[sock])
    finally:
        announcer.cancel()
        events.set_server_loop(None)
