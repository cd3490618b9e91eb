"""Benchmark: how fast one worker process drains notifications to in-app and Telegram (issue 19).

    .venv/bin/python -m bench.notifications_drain --users 1000 --runs 3

It starts and stops everything itself: the PostgreSQL database `tf_ndrain` (dropped, created and
migrated), Redis db 7 (broker), 8 (cache) and 9 (channel layer), flushed; a local fake of the
Telegram Bot API (tests/notifications/fake_telegram.py, answering 200 at once) in a thread of this
process; `celery -A config worker -P prefork -c N` (N = --concurrency, default 1: one worker
process).

Seed: `--users` traders with Telegram linked (chat id set, switched on) and fills wanted on the
phone (minimum level info), as a trader who follows every leg there.

Each run, with the worker stopped:
1. **Produce** (in this process, as the fill tick's task does): one `leg_filled` notify() per user,
   each in its own transaction (a fill unit commits per account). After each commit: the in-app
   event on the user's socket group (the channel layer, Redis); the Telegram deliveries' tasks
   (NOTIFY_DRAIN_CHUNK ids each) leave when the task ends. Timed: notify() plus its after-commit
   work, per notification.
2. **Drain**: the worker starts; timed from the first delivery claimed to the last one sent
   (`claimed_at`, `sent_at`: the worker's boot is not counted). Checked: every delivery `sent`, the
   fake received exactly one message per user, none twice.

The bot's pacing (NOTIFY_TELEGRAM_RATE, 25/s by default: Telegram allows a bot about 30 messages
a second) is raised here so the worker, not the pacing, is measured; with the real Bot API the
pacing is the limit (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.procs import fresh_database, start_celery_worker, stop_group

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "tf_ndrain"
REDIS_DBS = (7, 8, 9)
TOKEN = "123456:BENCH-DRAIN"  # noqa: S105  the fake bot's, not a secret


def configure(fake_url: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
            "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DBS[0]}",
            "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
            "ENCRYPTION_KEYS": "bench1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            "DEBUG": "false",
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": fake_url,
            "NOTIFY_TELEGRAM_RATE": "100000",
            "TRADEFLEET_VAR_DIR": tempfile.mkdtemp(prefix="tf-ndrain-"),
            "PYTHONPATH": str(ROOT),
        }
    )


def prepare(python: str) -> None:
    fresh_database(python=python, db_name=DB_NAME, redis_dbs=REDIS_DBS)


def seed(users: int) -> list[Any]:
    """(Inside Django.) Traders with Telegram linked and fills wanted there."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from notifications.models import NotificationPreference

    password = make_password("bench-password-0")
    rows = User.objects.bulk_create(
        User(email=f"drain{i:05d}@bench.local", username=f"drain{i:05d}", password=password)
        for i in range(users)
    )
    NotificationPreference.objects.bulk_create(
        NotificationPreference(
            user=user, telegram_chat_id=100_000 + i, telegram_enabled=True, min_level_telegram="info"
        )
        for i, user in enumerate(rows)
    )
    return [user.pk for user in rows]


def produce(user_ids: list[Any], run: int) -> list[float]:
    """One leg_filled per user, each committed on its own; seconds per notification (with its
    after-commit work: the socket event and the delivery's task)."""
    from django.db import transaction

    from notifications.events import start_background_loop
    from notifications.services.notify import deliveries_enqueue_hold, deliveries_enqueue_release, notify

    start_background_loop()  # as a worker process has it (config/celery.py): events fire and forget
    deliveries_enqueue_hold()  # as inside the tick's task (config/celery.py's task_prerun)

    took = []
    for n, user_id in enumerate(user_ids):
        started = time.perf_counter()
        with transaction.atomic():
            notify(
                user_id,
                "leg_filled",
                title=f"Leg 2 of long BTC/USDT 1h filled (run {run})",
                message=f"Bought 0.01 BTC/USDT at 61,250 (#{n}). The position holds 0.02 at 61,875",
                link="/positions/1",
            )
        took.append(time.perf_counter() - started)
    deliveries_enqueue_release()  # the task ends: the held delivery tasks leave
    return took


def drain(python: str, concurrency: int, expected: int, timeout: float = 600) -> dict[str, Any]:
    from django.db.models import Max, Min

    from notifications.models import DeliveryState, NotificationDelivery

    log = (Path(os.environ["TRADEFLEET_VAR_DIR"]) / "worker.log").open("ab")
    worker = start_celery_worker(
        python=python, app="config", concurrency=concurrency, name="drain@bench", log=log
    )
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            left = NotificationDelivery.objects.exclude(state=DeliveryState.SENT).count()
            if not left:
                break
            time.sleep(0.25)
    finally:
        stop_group(worker)
    span = NotificationDelivery.objects.aggregate(first=Min("claimed_at"), last=Max("sent_at"))
    sent = NotificationDelivery.objects.filter(state=DeliveryState.SENT).count()
    seconds = (
        (span["last"] - span["first"]).total_seconds() if span["first"] and span["last"] else float("nan")
    )
    return {"sent": sent, "expected": expected, "seconds": seconds, "per_second": sent / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=1, help="worker processes")
    args = parser.parse_args()

    from tests.notifications.fake_telegram import FakeTelegram

    with FakeTelegram(token=TOKEN) as bot:
        configure(bot.url)
        prepare(args.python)
        import django

        django.setup()
        from notifications.models import NotificationDelivery

        user_ids = seed(args.users)
        results = []
        for run in range(1, args.runs + 1):
            NotificationDelivery.objects.all().delete()
            before = len(bot.sent())
            took = produce(user_ids, run)
            drained = drain(args.python, args.concurrency, expected=len(user_ids))
            received = bot.sent()[before:]
            chats = [r.body.get("chat_id") for r in received]
            result = {
                "run": run,
                "notifications": len(user_ids),
                "produce_ms_p50": round(statistics.median(took) * 1000, 2),
                "produce_ms_p99": round(sorted(took)[int(len(took) * 0.99) - 1] * 1000, 2),
                "produce_per_second": round(len(took) / sum(took), 1),
                "drain_seconds": round(drained["seconds"], 2),
                "drain_per_second": round(drained["per_second"], 1),
                "sent": drained["sent"],
                "telegram_received": len(received),
                "telegram_duplicates": len(chats) - len(set(chats)),
            }
            results.append(result)
            print(json.dumps(result), flush=True)
            assert drained["sent"] == len(user_ids), f"not every delivery was sent: {drained}"
            assert len(received) == len(user_ids), "a message is missing"
            assert len(set(chats)) == len(chats), "a message arrived twice"
        rates = [r["drain_per_second"] for r in results]
        print(f"drain per worker process ({args.concurrency}): {min(rates)} to {max(rates)} notifications/s")


if __name__ == "__main__":
    main()
