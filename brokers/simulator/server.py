"""The simulator's HTTP server: stdlib `ThreadingHTTPServer` (a thread per connection, keep-alive
HTTP/1.1) plus a ticker thread that moves prices every `tick_seconds`.

Runs in the foreground (`serve_forever`, the management command) or in a background thread of
another process (`start`, the embedded runner and tests); `stop` ends both threads, releases held
(hanging) requests and closes every open connection, so it returns promptly."""

from __future__ import annotations

import logging
import socket
import threading
from abc import ABC, abstractmethod
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from .app import SimulatorApp, SimulatorOptions
from .clock import Clock
from .messages import Request

logger = logging.getLogger(__name__)

MAX_BODY = 1 << 20
IDLE_TIMEOUT = 30.0  # seconds a kept-alive connection may sit idle
POLL_SECONDS = 0.05  # how soon serve_forever notices stop() (the stdlib default is 0.5 s)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: SimulatorApp) -> None:
        self.app = app
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self.connections_lock:
            for conn in list(self.connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT
    # Headers and body go out in two writes; without TCP_NODELAY the second waits for the
    # client's delayed ACK (~40 ms a request).
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.send_error(413)
            return
        body = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
        path, _, query = self.path.partition("?")
        request = Request(
            method=self.command,
            path=path,
            query=query,
            body=body,
            headers={k.lower(): v for k, v in self.headers.items()},
            client_ip=self.client_address[0],
        )
        response = self.server.app.handle(request)
        if response is None:  # a hang fault: close without a word
            self.close_connection = True
            return
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    def version_string(self) -> str:
        return "tradefleet-exchange-simulator"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


class BackgroundServer(ABC):
    """The lifecycle both simulators share: an HTTP server carrying an app (anything with
    `handle(request)`), a ticker thread calling `_tick()` every `options.tick_seconds`, `start`
    in background threads or `serve_forever` in the foreground, and a prompt `stop`."""

    name = "simulator"
    options: Any
    app: Any
    _stop: threading.Event  # made by the subclass before its app, whose `wait` is `_hang`

    def _serve(self, app: Any) -> None:
        """Bind the socket for `app`; `self._stop` exists already (the app's `wait` is `_hang`)."""
        self._httpd = _HTTPServer((self.options.host, self.options.port), app)
        self._threads: list[threading.Thread] = []
        self._serving = False  # BaseServer.shutdown() would wait forever if serve_forever never ran

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        host = self.options.host
        host = "127.0.0.1" if host in ("0.0.0.0", "") else f"[{host}]" if ":" in host else host  # noqa: S104
        return f"http://{host}:{self.port}"

    def _hang(self, seconds: float | None) -> None:
        """Hold a faulty request; released at once when the server stops."""
        self._stop.wait(3600 if seconds is None else seconds)

    @abstractmethod
    def _tick(self) -> None:
        """One step of the market between requests (each simulator moves its own)."""

    def _tick_forever(self) -> None:
        interval = self.options.tick_seconds
        while not self._stop.wait(interval):
            try:
                self._tick()
            except Exception:  # keep ticking: one bad step must not freeze the market
                logger.exception("%s tick failed", self.name)

    def _start_ticker(self) -> None:
        if self.options.tick_seconds > 0:
            ticker = threading.Thread(target=self._tick_forever, name=f"{self.name}-ticker", daemon=True)
            ticker.start()
            self._threads.append(ticker)

    def start(self) -> Self:
        """Serve from background threads; returns once the socket accepts connections."""
        self._start_ticker()
        self._serving = True
        thread = threading.Thread(
            target=self._httpd.serve_forever, args=(POLL_SECONDS,), name=f"{self.name}-http", daemon=True
        )
        thread.start()
        self._threads.append(thread)
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until `stop` (from another thread) or KeyboardInterrupt."""
        self._start_ticker()
        self._serving = True
        try:
            self._httpd.serve_forever(POLL_SECONDS)
        finally:
            self.stop()

    def stop(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        if self._serving:
            self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class SimulatorServer(BackgroundServer):
    app: SimulatorApp
    options: SimulatorOptions

    def __init__(self, options: SimulatorOptions | None = None, *, clock: Clock | None = None) -> None:
        self.options = options or SimulatorOptions()
        self._stop = threading.Event()  # `_hang` needs it before the app exists
        self.app = SimulatorApp(self.options, clock=clock, wait=self._hang)
        self._serve(self.app)

    def _tick(self) -> None:
        self.app.engine.tick(1)
