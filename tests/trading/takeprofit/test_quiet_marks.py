"""The dispatcher's one UPDATE for groups in their quiet band (services_quiet_marks.quiet_marks_write),
on PostgreSQL and the simulator: such a group is marked without being read into Python, and any
change to it, its orders, its pyramids or its account sends it the full way again."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from trading.positions.models import DCAOrder, PositionGroup, Pyramid
from trading.takeprofit.services import marks_load as services_marks_load
from trading.takeprofit.services.marks import take_profit_dispatch as take_profit_tick

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="bands are a PostgreSQL pass; SQLite marks every group in Python",
    ),
]
D = Decimal
ONE_LEG = [{"gap_percent": "0", "weight_percent": "100", "tp_percent": "1"}]


@pytest.fixture
def loaded(monkeypatch) -> list[str]:
    """The ids of the groups the batches read, tick after tick."""
    seen: list[str] = []
    real = services_marks_load.marks_load

    def spy(account_ids, **kwargs):
        out = real(account_ids, **kwargs)
        seen.extend(str(item.pk) for items in out.values() for item in items)
        return out

    monkeypatch.setattr(services_marks_load, "marks_load", spy)
    return seen


@pytest.fixture
def stopped(engine, settings):
    """One aggregate group with a 3 % stop and a 2 % target, its band stored by a first tick."""
    settings.TRADING_QUIET_MARGIN_SECONDS = 0
    engine.config(levels=ONE_LEG, tp_mode="aggregate", tp_aggregate_percent="2", stop_loss_percent="3")
    engine.signal(price="100")
    take_profit_tick()
    group = engine.group()
    assert group.quiet_seen == group.updated_at and group.quiet_low <= D(100) <= group.quiet_high
    assert D("97") < group.quiet_low < D("97.1") and D("101.9") < group.quiet_high < D("102")
    return group


def test_a_group_in_its_band_is_marked_by_the_dispatcher_alone(engine, stopped, loaded):
    engine.price("BTC/USDT", "98.5")
    assert take_profit_tick() == 1
    assert loaded == []  # no batch read it
    group = engine.group()
    quantity, entry_fee = group.filled_quantity, group.filled_quantity * 100 * D("0.001")
    assert group.last_price == D("98.5")
    assert group.unrealized_pnl == quantity * D("98.5") - group.cost_basis - entry_fee
    assert group.last_evaluated_at > timezone.now() - timedelta(seconds=30)
    assert group.updated_at == stopped.updated_at  # a mark is no change: the band still holds


def test_a_price_beyond_the_band_goes_the_full_way_and_the_stop_closes_it(engine, stopped, loaded):
    engine.price("BTC/USDT", "96.9")
    take_profit_tick()
    assert loaded == [str(stopped.pk)]
    assert (engine.group().status, engine.group().close_reason) == ("closed", "stop_loss")


@pytest.mark.parametrize(
    "change",
    [
        lambda g: PositionGroup.objects.get(pk=g.pk).save(),
        lambda g: DCAOrder.objects.filter(group=g).first().save(),
        lambda g: Pyramid.objects.filter(group=g).first().save(),
        lambda g: g.account.save(),
        lambda g: PositionGroup.objects.filter(pk=g.pk).update(quiet_until=timezone.now()),
    ],
    ids=["group", "order", "pyramid", "account", "expired"],
)
def test_a_change_voids_the_band_until_the_next_batch_stores_a_new_one(engine, stopped, loaded, change):
    change(stopped)
    engine.price("BTC/USDT", "99")
    take_profit_tick()
    assert loaded == [str(stopped.pk)]  # read and decided in Python again
    assert engine.group().last_price == D("99")
    engine.price("BTC/USDT", "99.5")
    take_profit_tick()
    assert loaded == [str(stopped.pk)]  # the new band holds
    assert engine.group().last_price == D("99.5")


def test_within_the_clock_margin_a_changed_order_keeps_the_group_in_the_batches(
    engine, stopped, loaded, settings
):
    settings.TRADING_QUIET_MARGIN_SECONDS = 60  # a writer's clock may lag its commit
    DCAOrder.objects.filter(group=stopped).first().save()
    for price in ("99", "99.5"):
        engine.price("BTC/USDT", price)
        take_profit_tick()
    assert loaded == [str(stopped.pk)] * 2


def test_a_band_older_than_the_changes_floor_is_not_trusted(engine, stopped, loaded, settings):
    # Its quiet_from lies before the oldest change the tick reads: the group goes the full way.
    old = timezone.now() - timedelta(seconds=settings.TRADING_QUIET_TTL_SECONDS * 2)
    PositionGroup.objects.filter(pk=stopped.pk).update(quiet_from=old)
    engine.price("BTC/USDT", "99")
    take_profit_tick()
    assert loaded == [str(stopped.pk)]
    assert engine.group().last_price == D("99")


def test_a_partitioned_tick_marks_each_symbol_in_its_own_task_and_decides_only_its_own(
    engine, loaded, settings, monkeypatch
):
    """A fleet larger than a partition is split by symbol: one task per partition marks its
    quiet groups and sends batches that read only its symbols' groups."""
    from trading.takeprofit import tasks

    settings.TRADING_QUIET_MARGIN_SECONDS = 0
    settings.TRADING_TICK_PARTITION_GROUPS = 1  # every symbol a partition of its own
    partitions: list[list[str] | None] = []
    real = tasks.take_profit_partition_run

    def spy(**kwargs):
        partitions.append(kwargs["symbols"])
        return real(**kwargs)

    monkeypatch.setattr(tasks, "take_profit_partition_run", spy)
    for symbol in ("BTC/USDT", "ETH/USDT"):
        engine.config(
            symbol=symbol,
            levels=ONE_LEG,
            tp_mode="aggregate",
            tp_aggregate_percent="2",
            stop_loss_percent="3",
        )
        engine.signal(price="100", symbol=symbol)
    take_profit_tick()  # stores both bands, each group decided by its own partition's batch
    assert sorted(p[0] for p in partitions if p) == ["BTC/USDT", "ETH/USDT"]
    groups = {g.symbol: g for g in PositionGroup.objects.filter(user=engine.user)}
    assert sorted(loaded) == sorted(str(g.pk) for g in groups.values())
    loaded.clear()
    engine.price("BTC/USDT", "99")  # within BTC's band
    engine.price("ETH/USDT", "96.9")  # beyond ETH's stop
    take_profit_tick()
    assert loaded == [str(groups["ETH/USDT"].pk)]  # BTC's group was marked in SQL, not read
    btc, eth = (PositionGroup.objects.get(pk=groups[s].pk) for s in ("BTC/USDT", "ETH/USDT"))
    assert btc.last_price == D("99") and btc.status != "closed"
    assert (eth.status, eth.close_reason) == ("closed", "stop_loss")
