"""A worker that lost its database connection in the middle of `process_signal` retries the task on
a new connection: the signal is processed, not failed and left `received` for good. On real
PostgreSQL, against the exchange simulator (tests/trading/conftest.py)."""

from __future__ import annotations

import pytest

from tests.platform.db_faults import backend_pid, require_postgresql, terminate_backend
from trading.positions.models import PositionGroup
from trading.queue.tasks import process_signal


@pytest.mark.django_db(transaction=True)
def test_process_signal_retries_a_lost_connection_instead_of_failing_the_signal(engine) -> None:
    require_postgresql()
    engine.config()
    signal = engine.signal(process=False)
    dropped = backend_pid()
    terminate_backend(dropped)  # the server restarts, fails over, or an operator ends the session
    # throw=False: apply() then runs the retry as a worker would (eager_propagates would raise it).
    kwargs = {"signal_id": str(signal.pk), "user_id": str(signal.user_id)}
    result = process_signal.apply(kwargs=kwargs, throw=False)
    assert result.successful()
    signal.refresh_from_db()
    assert (signal.status, signal.classification) == ("processed", "entry")
    assert PositionGroup.objects.filter(user=engine.user).count() == 1
    assert backend_pid() != dropped
