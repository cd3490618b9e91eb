"""While a restore runs, the maintenance flag is set and trading's beat dispatchers send nothing."""

from __future__ import annotations

import pytest

from config import maintenance
from ops.backups import services
from tests.factories import UserFactory
from trading.execution.tasks import monitor_fills, reconcile_all, sweep_orders
from trading.queue.tasks import sweep_queues, sweep_signals
from trading.risk.tasks import risk_tick
from trading.takeprofit.tasks import check_take_profits

DISPATCHERS = (
    monitor_fills,
    sweep_orders,
    reconcile_all,
    check_take_profits,
    sweep_signals,
    sweep_queues,
    risk_tick,
)


@pytest.mark.django_db
@pytest.mark.parametrize("dispatcher", DISPATCHERS, ids=lambda task: task.name)
def test_dispatchers_send_nothing_during_maintenance(dispatcher, django_assert_num_queries):
    maintenance.begin("Restoring a test archive")
    with django_assert_num_queries(0):
        assert dispatcher() == 0
    maintenance.end()
    assert maintenance.active() is None


def test_the_flag_says_why_and_since_when():
    maintenance.begin("Restoring tradefleet-backup.tar")
    try:
        assert maintenance.active().startswith("Restoring tradefleet-backup.tar (since ")
    finally:
        maintenance.end()


@pytest.mark.django_db(transaction=True)
def test_restore_holds_the_flag_while_it_replaces_the_database_and_clears_it_after(make_backup):
    UserFactory()
    path = services.backup_path(make_backup())
    seen: dict[str, str | None] = {}

    def watch(percent: int, step: str) -> None:
        seen[step] = maintenance.active()

    services.restore_archive(path, force=True, on_progress=watch)
    assert seen["Checking every checksum"] is None
    assert "Restoring " + path.name in (seen["Restoring the database"] or "")
    assert maintenance.active() is None
