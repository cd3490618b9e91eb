"""Open-loop generator for P2, with one record per request.

The scheduling is bench/loadgen.py's (request i starts at t0 + i/R whatever the server does,
latency from the scheduled start), and its `Connection` and `http_post` are reused. What P2
needs in addition: each request's scheduled start as a wall-clock time (the worker's
`acknowledged_at` is compared with it) and the answer's body (it carries the signal id).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench import loadgen

# A connection idle longer than this is closed, not reused. uvicorn (`make run`) closes an idle
# keep-alive connection after 5 s, and a request written into one it has just closed fails with
# no answer: the client's race, not the server's failure (clients such as urllib3 retry it).
# Bursts open connections that then sit idle at the bottom of the stack. (gunicorn's sync workers,
# the production web process, close every connection after its answer.)
IDLE_REUSE_SECONDS = 2.0


@dataclass
class Record:
    index: int
    scheduled: float  # wall clock (time.time()) of the scheduled start
    latency_ms: float  # scheduled start -> last byte of the answer
    status: int  # 0: connection failure or timeout
    signal_id: str = ""


class BodyConnection(loadgen.Connection):
    """loadgen.Connection that keeps the answer's body."""

    async def request_body(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        body = await self.reader.readexactly(length) if length else b""
        self.closed = close
        if close:
            self.writer.close()
        return status, body


async def run(
    *,
    host: str,
    port: int,
    requests: Sequence[bytes],
    rate: float,
    timeout: float = 10.0,
    max_connections: int = 512,
) -> tuple[list[Record], int]:
    """Send `requests` at `rate` per second. Returns (records in index order, late starts)."""
    records: list[Record | None] = [None] * len(requests)
    idle: list[tuple[BodyConnection, float]] = []  # with when each was last answered
    open_count = 0
    late = 0
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    wall_start = time.time() + (start - loop.time())

    async def one(i: int, raw: bytes) -> None:
        nonlocal open_count
        scheduled = start + i / rate
        rec = Record(index=i, scheduled=wall_start + i / rate, latency_ms=0.0, status=0)
        records[i] = rec
        conn = None
        while idle and conn is None:
            conn, answered = idle.pop()
            if loop.time() - answered > IDLE_REUSE_SECONDS:
                conn.writer.close()
                open_count -= 1
                conn = None
        try:
            if conn is None:
                if open_count >= max_connections:
                    return
                open_count += 1
                reader, writer = await asyncio.open_connection(host, port)
                conn = BodyConnection(reader, writer)
            status, body = await asyncio.wait_for(conn.request_body(raw), timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            open_count -= 1
            rec.latency_ms = (loop.time() - scheduled) * 1000
            if conn is not None:
                conn.writer.close()
            return
        rec.latency_ms = (loop.time() - scheduled) * 1000
        rec.status = status
        try:
            rec.signal_id = str(json.loads(body).get("signal_id") or "")
        except ValueError:
            pass
        if conn.closed:
            open_count -= 1
        else:
            idle.append((conn, loop.time()))

    tasks = []
    for i, raw in enumerate(requests):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.01:
            late += 1
        tasks.append(asyncio.ensure_future(one(i, raw)))
    await asyncio.gather(*tasks)
    for conn, _ in idle:
        conn.writer.close()
    return [r for r in records if r is not None], late
