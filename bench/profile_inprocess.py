# ruff: noqa: S108  (a local benchmark; its scratch dir is /tmp/tf-ingest)
"""cProfile of the webhook and the bare view in one process (no HTTP server): where a request's
server CPU goes. Run with the bench environment (see docs/benchmarks.md, P1):

    .venv/bin/python bench/profile_inprocess.py webhook 500
"""

from __future__ import annotations

import cProfile
import json
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

from django.test import Client  # noqa: E402

from bench.p1_webhook import bodies  # noqa: E402


def main() -> None:
    endpoint, count = sys.argv[1], int(sys.argv[2])
    trader = json.loads(Path("/tmp/tf-ingest/trader.json").read_text())
    path = (
        f"/api/v1/webhooks/{trader['user_id']}"
        if endpoint == "webhook"
        else f"/bench/bare/{trader['user_id']}"
    )
    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
    for body in bodies(trader, 50):  # warm: imports, markets, connections
        client.post(path, data=body, content_type="text/plain")
    work = bodies(trader, count)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for body in work:
        response = client.post(path, data=body, content_type="text/plain")
        assert response.status_code == 202, response.content
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"{endpoint}: {elapsed / count * 1000:.2f} ms per request (with cProfile overhead)")
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(int(sys.argv[3]) if len(sys.argv) > 3 else 45)


if __name__ == "__main__":
    main()
