"""Celery tasks of the execution queue (imported by trading/tasks.py, so Celery finds them).

`sweep_queues` (beat, every 10 s) finds the users with queued entries whose service runs and fans
out `promote_queues` batches; `promote_queues` is also sent for one user when a pool slot frees
(trading/hooks.py). Each user's promotion runs isolated (`user_task_run`): one user's failure is
recorded against them and never stops the others in the batch. Both are idempotent: promotion
works under the user's queue lock on rows still `queued`.
"""

from __future__ import annotations

from config.tasks import house_task


@house_task(expires=9)
def sweep_queues() -> int:
    """Beat: one `promote_queues(user_ids=[...])` per batch of users with something queued."""
    from .fanout import fan_out
    from .services_queue_promote import queue_users_waiting

    return fan_out(promote_queues, queue_users_waiting(), kwarg="user_ids", expires=30)


@house_task(expires=60)
def promote_queues(*, user_ids: list[str]) -> dict[str, str]:
    """Promote each user's best queued entries into their free pool slots. Returns each user's
    outcome (success / failed)."""
    from .services_queue_promote import queue_promote
    from .services_service import service_touch, user_task_run

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
