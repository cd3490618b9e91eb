"""A local fake of the Telegram Bot API over HTTP: `sendMessage` only, recorded, with scripted answers.

    with FakeTelegram(token="123:abc") as bot:
        bot.answer_next((429, {"ok": False, "error_code": 429, "parameters": {"retry_after": 7}}))
        ...  # point TELEGRAM_API_URL at bot.url
        assert bot.texts() == ["..."]

Every request is recorded (path, JSON body), whatever it is answered. Scripted answers are used
once each, in order; then `default` (200 ok). `delay` holds every answer back that long (a slow
Telegram, to kill a worker while it waits).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    path: str
    body: dict[str, Any]
    status: int


@dataclass
class FakeTelegram:
    token: str = "123456:TEST-TOKEN"
    delay: float = 0.0
    default: tuple[int, dict[str, Any]] | None = None
    requests: list[Recorded] = field(default_factory=list)
    _script: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _message_id: int = 0

    # --- control ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def answer_next(self, *answers: tuple[int, dict[str, Any]]) -> None:
        with self._lock:
            self._script.extend(answers)

    def sent(self) -> list[Recorded]:
        """The sendMessage requests answered 200."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/sendMessage") and r.status == 200]

    def texts(self) -> list[str]:
        return [r.body.get("text", "") for r in self.sent()]

    def attempts(self) -> int:
        with self._lock:
            return len(self.requests)

    # --- answers ------------------------------------------------------------------------------
    def _answer(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if not path.startswith(f"/bot{self.token}/"):
                answer: tuple[int, dict[str, Any]] = (
                    401,
                    {"ok": False, "error_code": 401, "description": "Unauthorized"},
                )
            elif self._script:
                answer = self._script.pop(0)
            elif self.default is not None:
                answer = self.default
            else:
                self._message_id += 1
                answer = (
                    200,
                    {
                        "ok": True,
                        "result": {"message_id": self._message_id, "chat": {"id": body.get("chat_id")}},
                    },
                )
            self.requests.append(Recorded(path=path, body=body, status=answer[0]))
            return answer

    # --- server -------------------------------------------------------------------------------
    def start(self) -> FakeTelegram:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the real Bot API
            disable_nagle_algorithm = True  # headers and body leave as two writes: no 40 ms stall

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                status, answer = fake._answer(self.path, body if isinstance(body, dict) else {})
                if fake.delay:
                    time.sleep(fake.delay)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet test output

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="fake-telegram", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
