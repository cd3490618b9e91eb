"""config/publish.py when Redis goes away and comes back: a send fails fast with kombu's error
while it is down (the webhook logs it and answers 202, trading/signals/enqueue.py), and once it is
back the sender delivers again, without a restart of the process, even when its lean push fails
once more. On a Redis server of the test's own, which the test stops and starts."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from config.celery import app
from config.publish import TaskSender
from trading.runtime import task_names as names


@dataclass
class RedisServer:
    """A redis-server process on a port of its own, without persistence."""

    workdir: Path
    port: int = field(default=0)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            [*command, "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except RedisConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("needs the redis-server program, to stop and start a Redis of the test's own")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = RedisServer(workdir=tmp_path, port=port)
    server.start()
    yield server
    server.stop()


def queued_signal_ids(server: RedisServer) -> list[str]:
    raw = redis.Redis(port=server.port).lrange(f"celery:{names.SIGNAL_PRIORITY}", 0, -1)
    return [json.loads(message)["headers"]["kwargsrepr"] for message in raw]


def test_a_sender_delivers_again_once_redis_is_back(own_redis: RedisServer, monkeypatch) -> None:
    monkeypatch.setattr(app.conf, "broker_url", own_redis.url)
    sender = TaskSender(names.PROCESS_SIGNAL, priority=names.SIGNAL_PRIORITY)
    sender.send(signal_id="first", user_id="u")  # the ordinary way: the lean one is ready after it
    own_redis.stop()
    for signal_id in ("down-1", "down-2"):
        started = time.monotonic()
        with pytest.raises(OperationalError):  # kombu's error each time, after its retries
            sender.send(signal_id=signal_id, user_id="u")
        assert time.monotonic() - started < 3
    own_redis.start()  # empty: the server keeps nothing
    sender.send(signal_id="back", user_id="u")
    plan = sender._plan()
    assert plan is not None
    assert plan.client is not None
    refused: list[Any] = []

    def blip(*args: Any) -> None:
        refused.append(args)
        raise RedisConnectionError("Connection reset by peer")

    monkeypatch.setattr(plan.client, "lpush", blip)  # the lean push fails once more
    sender.send(signal_id="blip", user_id="u")
    assert len(refused) == 1
    assert queued_signal_ids(own_redis) == [
        "{'signal_id': 'blip', 'user_id': 'u'}",  # LPUSH: the newest first
        "{'signal_id': 'back', 'user_id': 'u'}",
    ]
