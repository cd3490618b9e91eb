"""Training at a low CPU priority, so order placement on the same host keeps the CPU.

Linux groups a session's processes for scheduling (autogroups): a process's own nice value only
weighs against its session's other processes, so a worker that consumes only the `ml` queue,
started in its own session (systemd, a shell), is lowered through its autogroup too
(/proc/self/autogroup). A worker that also places orders keeps its group's priority: its training
process is lowered against its own order-placing siblings only. An unprivileged
process may always lower its own priority; it cannot raise it back, which suits a worker process
that only trains. In containers the cgroup's CPU weight decides between containers: compose gives
`worker-ml` a low `cpu_shares` for that.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)
AUTOGROUP = Path("/proc/self/autogroup")


def _only_ml_queue() -> bool:
    """True in a worker that consumes the `ml` queue alone (its queues are set before the fork)."""
    from config.celery import app

    consumed = set(getattr(app.amqp.queues, "consume_from", None) or {})
    return consumed == {settings.ML_QUEUE}


def training_priority_lower() -> str:
    """Lower this process to ML_TRAINING_NICE (never raise it); what was done, for the job's log
    ("" when nothing: embedded mode, nice 0, or a platform without these controls)."""
    wanted = int(settings.ML_TRAINING_NICE)
    if wanted <= 0 or getattr(settings, "EMBEDDED", False):
        return ""
    done = []
    try:
        current = os.getpriority(os.PRIO_PROCESS, 0)
        if current < wanted:
            os.setpriority(os.PRIO_PROCESS, 0, wanted)
        done.append(f"nice {max(current, wanted)}")
    except (AttributeError, OSError):
        logger.info("could not lower the training process's priority", exc_info=True)
    if _only_ml_queue():
        try:
            AUTOGROUP.write_text(str(wanted))
            done.append("its scheduling group too")
        except OSError:
            pass  # no autogroups (disabled, not Linux, a read-only /proc): the process's nice stands
    return f"CPU priority lowered for training ({', '.join(done)})" if done else ""
