"""Open-loop HTTP load: requests start on a fixed schedule (rate R: request i at t0 + i/R),
whatever the server is doing, and each latency runs from the scheduled start, not the actual
send, so a stalled server shows up in the tail instead of slowing the generator down
(coordinated omission). Raw asyncio sockets, HTTP/1.1 keep-alive; a request that finds no idle
connection opens a new one, up to `max_connections`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Result:
    rate: float
    duration: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0  # connection failures, timeouts and non-2xx answers
    late_starts: int = 0  # requests that could not even start within 10 ms of their slot

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def achieved(self) -> float:
        return len(self.latencies_ms) / self.duration if self.duration else 0.0

    def summary(self) -> dict[str, float | int | dict[int, int]]:
        return {
            "rate": self.rate,
            "sent": len(self.latencies_ms),
            "p50_ms": round(self.percentile(50), 2),
            "p90_ms": round(self.percentile(90), 2),
            "p99_ms": round(self.percentile(99), 2),
            "max_ms": round(max(self.latencies_ms, default=float("nan")), 2),
            "errors": self.errors,
            "statuses": dict(self.statuses),
        }


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.closed = False  # the server answered `Connection: close` (gunicorn's sync workers)

    async def request(self, raw: bytes) -> int:
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
        if length:
            await self.reader.readexactly(length)
        self.closed = close
        if close:
            self.writer.close()
        return status


async def run(
    *,
    host: str,
    port: int,
    requests: Sequence[bytes],
    rate: float,
    timeout: float = 10.0,
    max_connections: int = 512,
) -> Result:
    """Send `requests` (complete HTTP/1.1 requests) at `rate` per second; one run."""
    result = Result(rate=rate, duration=len(requests) / rate)
    idle: list[Connection] = []
    open_count = 0
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05

    async def one(i: int, raw: bytes) -> None:
        nonlocal open_count
        scheduled = start + i / rate
        conn = idle.pop() if idle else None
        try:
            if conn is None:
                if open_count >= max_connections:
                    result.errors += 1
                    return
                open_count += 1
                reader, writer = await asyncio.open_connection(host, port)
                conn = Connection(reader, writer)
            status = await asyncio.wait_for(conn.request(raw), timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            open_count -= 1
            result.errors += 1
            result.latencies_ms.append((loop.time() - scheduled) * 1000)
            if conn is not None:
                conn.writer.close()
            return
        result.latencies_ms.append((loop.time() - scheduled) * 1000)
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if not 200 <= status < 300:
            result.errors += 1
        if conn.closed:
            open_count -= 1
        else:
            idle.append(conn)

    tasks = []
    for i, raw in enumerate(requests):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.01:
            result.late_starts += 1
        tasks.append(asyncio.ensure_future(one(i, raw)))
    await asyncio.gather(*tasks)
    for conn in idle:
        conn.writer.close()
    return result


def http_post(host: str, port: int, path: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"X-Forwarded-Proto: https\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def now_ms() -> float:
    return time.time() * 1000
