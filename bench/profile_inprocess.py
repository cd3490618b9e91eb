"""cProfile of the webhook and the bare view in one process (no HTTP server): where a request's
server CPU goes. It prepares what P1 does (database `tf_bench`, the simulator, the bench trader)
and serves the requests through Django's test client (docs/benchmarks.md, P1):

    .venv/bin/python bench/profile_inprocess.py webhook 500     # or: bare 500 [rows of stats]
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import p1_webhook as p1


def main() -> None:
    endpoint, count = sys.argv[1], int(sys.argv[2])
    # P1's environment (its database, Redis db, simulator), with the bare endpoint mounted.
    os.environ.update(p1.django_env({"DJANGO_SETTINGS_MODULE": "bench.bare_settings"}))
    sim, trader = p1.prepare(sys.executable)
    try:
        profile(endpoint, count, trader)
    finally:
        sim.terminate()
        sim.wait(timeout=10)


def profile(endpoint: str, count: int, trader: dict[str, str]) -> None:
    import django

    django.setup()
    from django.test import Client

    path = (
        f"/api/v1/webhooks/{trader['user_id']}"
        if endpoint == "webhook"
        else f"/bench/bare/{trader['user_id']}"
    )
    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
    for body in p1.bodies(trader, 50):  # warm: imports, markets, connections
        client.post(path, data=body, content_type="text/plain")
    work = p1.bodies(trader, count)
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
