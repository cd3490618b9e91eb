"""Groups in their quiet band, on PostgreSQL and the simulator: the tick neither reads such a group
into Python nor writes its row (it stores one price per symbol, trading/positions/marks.py), every
reader shows the group marked at that price, and any change to it, its orders, its pyramids or its
account sends it the full way again."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from accounts.export.services import export_path, export_request, export_run
from trading.positions.marks import marks_freshen, symbol_marks_store
from trading.positions.models import DCAOrder, PositionGroup, Pyramid, SymbolMark
from trading.takeprofit.services import quiet_marks as services_quiet_marks
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


def test_a_group_in_its_band_is_neither_read_nor_written_by_the_tick_and_is_shown_at_the_new_price(
    engine, stopped, loaded, api
):
    engine.price("BTC/USDT", "98.5")
    assert take_profit_tick() == 1
    assert loaded == []  # no batch read it
    row = PositionGroup.objects.get(pk=stopped.pk)
    assert (row.last_price, row.last_evaluated_at) == (stopped.last_price, stopped.last_evaluated_at)
    assert SymbolMark.objects.get(symbol="BTC/USDT").price == D("98.5")  # one row for the symbol

    response = api.get(f"/api/v1/positions/{stopped.pk}")
    assert response.status_code == 200, response.content[:300]
    shown = response.json()
    quantity, entry_fee = row.filled_quantity, row.filled_quantity * 100 * D("0.001")
    pnl = quantity * D("98.5") - row.cost_basis - entry_fee
    assert D(shown["last_price"]) == D("98.5")
    assert D(shown["unrealized_pnl"]) == pnl
    group = PositionGroup.objects.get(pk=stopped.pk)  # the read stored the mark on the row
    assert (group.last_price, group.unrealized_pnl) == (D("98.5"), pnl)
    assert group.last_evaluated_at > timezone.now() - timedelta(seconds=30)
    assert group.updated_at == stopped.updated_at  # a mark is no change: the band still holds


@pytest.mark.parametrize(
    ("url", "field"),
    [("/api/v1/performance", "unrealized_pnl"), ("/api/v1/dca-configs/stats", "unrealized_pnl")],
    ids=["dashboard", "config-stats"],
)
def test_every_page_that_sums_marks_shows_the_quiet_group_at_the_new_price(engine, stopped, api, url, field):
    engine.price("BTC/USDT", "98.5")
    take_profit_tick()
    body = api.get(url).json()
    shown = D((body[0] if isinstance(body, list) else body)[field])
    group = PositionGroup.objects.get(pk=stopped.pk)
    assert group.last_price == D("98.5")
    assert shown == group.unrealized_pnl < 0


def test_a_data_export_holds_the_quiet_group_at_the_new_price(engine, stopped, settings, tmp_path):
    settings.DATA_EXPORT_DIR = str(tmp_path)
    engine.price("BTC/USDT", "98.5")
    take_profit_tick()
    export, _ = export_request(user=engine.user, format="json")
    export_run(export_id=export.pk)
    export.refresh_from_db()
    rows = json.loads(export_path(export).read_text())["tables"]["trading.PositionGroup"]
    assert [D(row["last_price"]) for row in rows] == [D("98.5")]


def test_a_late_tick_never_overwrites_a_newer_symbol_price(engine, stopped):
    now = timezone.now()
    symbol_marks_store({"simulator": {"BTC/USDT": D("99")}}, now + timedelta(seconds=5))
    symbol_marks_store({"simulator": {"BTC/USDT": D("98")}}, now)  # sent earlier, arrived later
    mark = SymbolMark.objects.get(scope="simulator", symbol="BTC/USDT")
    assert mark.price == D("99")


def test_a_mark_older_than_the_groups_own_is_never_applied(engine, stopped):
    engine.price("BTC/USDT", "98.5")
    take_profit_tick()
    later = timezone.now() + timedelta(seconds=5)  # the group's own mark, stored after the tick
    PositionGroup.objects.filter(pk=stopped.pk).update(last_evaluated_at=later)
    assert marks_freshen(users=[engine.user]) == 0
    assert PositionGroup.objects.get(pk=stopped.pk).last_price == D(100)


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


def test_a_late_batch_writes_the_mark_without_a_band(engine, stopped, loaded, monkeypatch):
    # Its rows were read too long before the write for the void pass's window to cover them.
    monkeypatch.setattr(services_quiet_marks, "BAND_WRITE_SECONDS", -1)
    PositionGroup.objects.filter(pk=stopped.pk).update(quiet_seen=None)  # decided in Python now
    engine.price("BTC/USDT", "99")
    take_profit_tick()
    group = engine.group()
    assert (group.last_price, group.quiet_seen) == (D("99"), None)
    engine.price("BTC/USDT", "99.5")
    take_profit_tick()
    assert loaded == [str(stopped.pk)] * 2  # no band: the next tick reads it again


@pytest.mark.parametrize("recorded", [True, False], ids=["after-a-pass", "cold-cache"])
def test_the_void_pass_reads_the_changes_since_the_last_pass_or_back_to_the_floor(
    engine, stopped, loaded, recorded
):
    """A change older than the last pass's start less the overlap was that pass's to see: it is
    not read again. With no pass on record, every change back to the floor is."""
    now = timezone.now()
    PositionGroup.objects.filter(pk=stopped.pk).update(quiet_from=now - timedelta(seconds=300))
    changed = now - timedelta(seconds=200)  # after the band's rows were read, before the last pass
    DCAOrder.objects.filter(group=stopped).update(updated_at=changed)
    Pyramid.objects.filter(group=stopped).update(updated_at=changed)
    type(stopped.account).objects.filter(pk=stopped.account_id).update(updated_at=changed)
    if recorded:
        cache.set(services_quiet_marks.VOIDED_KEY, (now - timedelta(seconds=1)).isoformat())
    else:
        cache.delete(services_quiet_marks.VOIDED_KEY)
    engine.price("BTC/USDT", "99")
    take_profit_tick()
    assert loaded == ([] if recorded else [str(stopped.pk)])
    assert cache.get(services_quiet_marks.VOIDED_KEY) > now.isoformat()  # this pass, on record


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
    assert loaded == [str(groups["ETH/USDT"].pk)]  # BTC's group was not read: quiet
    marks_freshen(users=[engine.user])  # as every reader does
    btc, eth = (PositionGroup.objects.get(pk=groups[s].pk) for s in ("BTC/USDT", "ETH/USDT"))
    assert btc.last_price == D("99") and btc.status != "closed"
    assert (eth.status, eth.close_reason) == ("closed", "stop_loss")


def test_a_close_judges_dust_at_the_symbols_latest_price_not_the_rows_stale_mark(engine, stopped):
    """A quiet group's own row keeps the mark of the last time it was read: a close must not
    take what it holds for dust because that old mark was low."""
    from trading.execution.services.exits import group_sell

    engine.price("BTC/USDT", "99")
    take_profit_tick()  # stores BTC at 99; the quiet group's row is not written
    PositionGroup.objects.filter(pk=stopped.pk).update(last_price=D("0.0001"))  # an old, low mark
    group = PositionGroup.objects.get(pk=stopped.pk)
    order = group_sell(group, group.filled_quantity, reason="manual")
    assert order is not None  # a sale, not "nothing sellable left"
    assert (order.role, order.quantity, order.price) == ("close", group.filled_quantity, D("99"))
