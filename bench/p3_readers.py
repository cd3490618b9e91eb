"""What a reader pays for quiet marks derived on read, on the database bench.p3_tick leaves.

    /tmp/venv-deb/bin/python -m bench.p3_tick --python /tmp/venv-deb/bin/python --users 10000 ...
    /tmp/venv-deb/bin/python -m bench.p3_readers --users 400

The take-profit tick stores one price per symbol and no quiet group's row
(trading/positions/marks.py); every reader first runs `marks_freshen` for its user. This times
that call, in its own transaction as a request runs it, for `--users` traders of the P3 fleet
(10 open groups each, 100,000 in the table): once after a tick made every one of their groups
due (each symbol's mark stored again, a hundred users at a time), and once more with nothing due.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from bench.p3_tick import django_env


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=400)
    args = parser.parse_args()
    os.environ.update(django_env())
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from trading.positions.marks import marks_freshen, symbol_marks_store
    from trading.positions.models import EVALUATED_GROUP_STATUSES, PositionGroup, SymbolMark

    groups = PositionGroup.objects.filter(status__in=EVALUATED_GROUP_STATUSES, strategy="")
    users = list(groups.order_by("user_id").values_list("user_id", flat=True).distinct()[: args.users])
    prices: dict[str, dict[str, object]] = {}
    for mark in SymbolMark.objects.all():
        prices.setdefault(mark.scope, {})[mark.symbol] = mark.price

    def timed(user_id: object) -> tuple[float, int]:
        start = time.perf_counter()
        with transaction.atomic():
            written = marks_freshen(users=[user_id])
        return (time.perf_counter() - start) * 1000, written

    due, written = [], 0
    for n, user_id in enumerate(users):
        if n % 100 == 0:  # a new tick: every symbol's mark is newer than every group's
            symbol_marks_store(prices, timezone.now())  # type: ignore[arg-type]
        ms, rows = timed(user_id)
        due.append(ms)
        written += rows
    none_due = [timed(user_id)[0] for user_id in users]
    print(f"{groups.count()} open groups, {len(users)} users, {written} marks written")
    for label, values in (("every group due", due), ("none due", none_due)):
        p50, p99 = statistics.median(values), _p(values, 0.99)
        print(f"a read with {label}: p50 {p50:.2f} ms, p99 {p99:.2f} ms")


if __name__ == "__main__":
    main()
