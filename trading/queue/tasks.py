"""Celery tasks of the execution pool and queue (names: trading/runtime/task_names.py).

`process_signal` turns an accepted signal into a position, a pyramid, an exit or a queue entry;
`sweep_signals` (beat) sends it again for a signal whose message was lost (services/sweep.py).
`sweep_queues` (beat, every 10 s) finds the users with queued entries whose service runs and fans
out `promote_queues` batches; `promote_queues` is also sent for one user when a pool slot frees
(trading/queue/receivers.py). Each user's promotion runs isolated (`user_task_run`): one user's
failure is recorded against them and never stops the others in the batch. Both are idempotent:
promotion works under the user's queue lock on rows still `queued`.
"""

from __future__ import annotations

from brokers.errors import TRANSIENT_ERRORS
from config import maintenance
from config.tasks import house_task
from trading.queue.services.processing import signal_process
from trading.queue.services.promote import queue_promote, queue_users_waiting
from trading.queue.services.sweep import signals_sweep
from trading.runtime import task_names as names
from trading.runtime.fanout import fan_out
from trading.runtime.services import service_touch, user_task_run


# Markets unreachable: the signal is held (still `received`) and retried for about 20 minutes.
# Sent with SIGNAL_PRIORITY (task_names.py), so it never waits behind other work. No expiry: a
# message redelivered after its worker died comes CELERY_VISIBILITY_TIMEOUT later, and must not be
# dropped then; a signal that waited too long is refused by the processing itself.
@house_task(name=names.PROCESS_SIGNAL, retry_on=TRANSIENT_ERRORS, max_retries=10, retry_backoff_max=180)
def process_signal(*, signal_id: str, user_id: str) -> None:
    signal_process(signal_id=signal_id)


@house_task(name=names.SWEEP_SIGNALS, expires=29)
def sweep_signals() -> int:
    """Beat: send `process_signal` again for signals still `received` long after they arrived."""
    if maintenance.active():  # a restore is replacing the database (config/maintenance.py)
        return 0
    return signals_sweep()


@house_task(name=names.SWEEP_QUEUES, expires=9)
def sweep_queues() -> int:
    """Beat: one `promote_queues(user_ids=[...])` per batch of users with something queued."""
    if maintenance.active():  # a restore is replacing the database (config/maintenance.py)
        return 0
    return fan_out(promote_queues, queue_users_waiting(), kwarg="user_ids", expires=30)


@house_task(name=names.PROMOTE_QUEUES, expires=60)
def promote_queues(*, user_ids: list[str]) -> dict[str, str]:
    """Promote each user's best queued entries into their free pool slots. Returns each user's
    outcome (success / failed)."""
    outcomes: dict[str, str] = {}
    try:
        for user_id in user_ids:
            outcomes[user_id] = user_task_run(
                user_id=user_id,
                task_name="queue_sweep",
                fn=lambda uid=user_id: queue_promote(user_id=uid),
                record=False,
                touch=False,
            )
    finally:  # the batch's successes stamped in one UPDATE
        service_touch([u for u, outcome in outcomes.items() if outcome == "success"])
    return outcomes
