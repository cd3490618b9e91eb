"""`manage.py run_embedded` with tracemalloc, for benchmark P5's leak hunt in `make run` only.

    python -m bench.p5_embedded --host 127.0.0.1 --port 8796     # = manage.py run_embedded ...
    .venv/bin/python -m bench.p5_soak --target make-run --tracemalloc ...
    .venv/bin/python -m bench.p5_soak --target make-run --census ...     # bench/p5_census.py instead

The same command in the same process, plus bench/p5_worker.py's snapshot thread: tracemalloc
starts once Django and the task modules are imported; snapshots go to $P5_WORK_DIR every
P5_SNAPSHOT_EVERY_S after P5_FIRST_SNAPSHOT_S; `python -m bench.p5_worker DIR` prints the
growth. RSS measured with it is not the P5 result (tracemalloc's own cost).
"""

from __future__ import annotations

import os
import sys
import threading
import tracemalloc


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from config.celery import app

    # Traced from here: the imports (~150 MB, measured apart) would make a busy machine's start
    # minutes long, and the leak hunt wants the growth, not the baseline.
    app.loader.import_default_modules()
    if os.environ.get("P5_CENSUS"):  # bench/p5_census.py instead of tracemalloc
        from bench import p5_census

        p5_census.start()
    else:
        tracemalloc.start(int(os.environ.get("P5_TRACE_FRAMES", "10")))
        from bench import p5_worker

        threading.Thread(target=p5_worker.snapshots, daemon=True, name="p5-tracemalloc").start()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manage.py", "run_embedded", *sys.argv[1:]])


if __name__ == "__main__":
    main()
