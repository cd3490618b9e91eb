"""Every classification path of trading-semantics.md, "Signals", on the simulator."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from trading.positions.models import DCAOrder, PositionGroup

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def test_a_second_signal_in_a_later_candle_adds_a_pyramid_at_its_own_price(engine):
    engine.config()
    first = engine.signal(price="100", sent_at=timezone.now() - timedelta(hours=2))
    second = engine.signal(price="90")
    assert (first.classification, second.classification) == ("entry", "pyramid")
    group = engine.group()
    assert group.pyramid_count == 2 and second.position_group_id == group.pk
    pyramid_legs = [leg for leg in engine.legs(group) if leg.pyramid.index == 1]
    assert [leg.price for leg in pyramid_legs] == [D("90"), D("89.1"), D("88.2")]


def test_a_second_pyramid_within_the_same_candle_is_a_duplicate(engine):
    engine.config()
    engine.signal(price="100")
    again = engine.signal(price="99")
    assert (again.status, again.classification) == ("duplicate", "duplicate")
    assert "already added in this 1h candle" in again.reason
    assert engine.group().pyramid_count == 1
    assert DCAOrder.objects.filter(group=engine.group()).count() == 4  # 3 legs + the entry's TP


def test_at_max_pyramids_the_signal_is_rejected(engine):
    engine.config(max_pyramids=2)
    now = timezone.now()
    engine.signal(price="100", sent_at=now - timedelta(hours=3))
    engine.signal(price="95", sent_at=now - timedelta(hours=2))
    third = engine.signal(price="90", sent_at=now - timedelta(hours=1))
    assert (third.status, third.classification) == ("rejected", "max_pyramids")
    assert third.reason == "Max pyramids reached (2 of 2)."


def test_pyramid_levels_give_a_pyramid_its_own_grid(engine):
    engine.config(
        pyramid_levels={"1": [{"gap_percent": "0", "weight_percent": "100", "tp_percent": "2"}]},
    )
    engine.signal(price="100", sent_at=timezone.now() - timedelta(hours=2))
    engine.signal(price="80")
    pyramid_legs = [leg for leg in engine.legs() if leg.pyramid.index == 1]
    assert [(leg.price, leg.quantity, leg.tp_percent) for leg in pyramid_legs] == [
        (D("80"), D("12.5"), D("2"))
    ]


def test_a_full_pool_queues_a_new_entry_instead_of_opening_it(engine, settings):
    settings.TRADING_MAX_OPEN_GROUPS = 1
    engine.config()
    engine.config(symbol="ETH/USDT")
    engine.signal(price="100")
    waiting = engine.signal(price="100", symbol="ETH/USDT")
    assert (waiting.status, waiting.classification) == ("queued", "entry")
    assert waiting.reason == "Your execution pool is full (1/1 open position groups): queued at rank 1 of 1."
    assert PositionGroup.objects.count() == 1


def test_an_exit_cancels_the_unfilled_legs_and_sells_at_market(engine):
    engine.config()
    engine.signal(price="100")  # the entry fills at once; two legs rest
    engine.price("BTC/USDT", "100.5")  # below the entry's take-profit at 101
    exit_signal = engine.signal(intent="exit", price="100.5")
    assert (exit_signal.status, exit_signal.classification) == ("processed", "exit")
    group = engine.group()
    assert (group.status, group.close_reason, group.filled_quantity) == ("closed", "exit_signal", 0)
    statuses = {(o.role, o.level): o.status for o in DCAOrder.objects.filter(group=group)}
    assert statuses == {
        ("leg", 0): "filled",
        ("leg", 1): "cancelled",
        ("leg", 2): "cancelled",
        ("take_profit", 0): "cancelled",
        ("close", 0): "filled",
    }
    assert engine.control.account(str(engine.account.api_key))["open_orders"] == []
    # Sold 4 at 100.5 bought at 100, less the 0.1 % fee on each side.
    assert group.fees == D("0.4") + D("0.402")
    assert group.realized_pnl == D("4") * D("0.5") - group.fees


def test_an_exit_without_a_position_is_rejected_with_the_reason(engine):
    engine.config()
    refused = engine.signal(intent="exit", price="100")
    assert refused.status == "rejected"
    assert refused.reason == "There is no open long position on BTC/USDT 1h to exit."


def test_reduce_sells_the_fraction_asked(engine):
    engine.config(levels=[{"gap_percent": "0", "weight_percent": "100", "tp_percent": "5"}])
    engine.signal(price="100")
    reduced = engine.signal(intent="reduce", price="100", reduce_fraction="0.25")
    assert reduced.classification == "reduce"
    group = engine.group()
    assert group.status == "active"
    assert group.filled_quantity == D("7.5")
    # The leg's take-profit was taken down to free the coins and put back for what remains;
    # the close was allocated to the leg, so the average entry is unchanged.
    assert group.avg_entry == D("100")
    tps = DCAOrder.objects.filter(group=group, role="take_profit").order_by("created_at")
    assert [(tp.quantity, tp.status) for tp in tps] == [(D("10"), "cancelled"), (D("7.5"), "open")]


def test_reverse_closes_the_long_and_explains_why_no_short_opens(engine):
    engine.config()
    engine.signal(price="100")
    reverse = engine.signal(intent="reverse", price="100")
    assert reverse.status == "processed"
    assert "spot accounts trade long only" in reverse.reason
    assert engine.group().status == "closed"


def test_a_short_entry_on_a_spot_account_is_rejected(engine):
    engine.config()
    refused = engine.signal(price="100", side="short")
    assert refused.status == "rejected" and "long only" in refused.reason
    assert not PositionGroup.objects.exists()


def test_a_grid_below_the_minimum_notional_is_rejected_with_the_leg_named(engine):
    engine.config()
    refused = engine.signal(price="100", order_size="15")  # legs of 6, 4.5 and 4.5
    assert refused.status == "rejected"
    assert refused.reason.startswith("The grid cannot be placed: leg 1: order value")
    assert "minimum notional" in refused.reason
    assert not PositionGroup.objects.exists()


def test_without_a_size_the_configs_capital_is_used_and_capped_by_exposure(engine):
    engine.config(capital_per_pyramid="600", max_total_exposure="1000")
    now = timezone.now()
    engine.signal(price="100", order_size="", sent_at=now - timedelta(hours=2))
    engine.signal(price="100", order_size="", sent_at=now - timedelta(hours=1))
    capitals = sorted(p.capital for p in engine.group().pyramids.all())
    assert capitals == [D("400"), D("600")]
    third = engine.signal(price="100", order_size="")
    assert third.status == "rejected" and "exposure limit of 1000" in third.reason


def test_a_processed_signal_is_not_processed_again(engine):
    from trading.queue.services.processing import signal_process

    engine.config()
    signal = engine.signal(price="100")
    signal_process(signal_id=str(signal.pk))
    assert DCAOrder.objects.filter(role="leg").count() == 3


def test_market_entry_type_fills_the_entry_at_market(engine):
    engine.config(entry_order_type="market")
    engine.price("BTC/USDT", "100")
    engine.signal(price="100")
    entry = engine.legs()[0]
    assert (entry.order_type, entry.status, entry.avg_fill_price) == ("market", "filled", D("100"))


def test_the_users_pool_size_from_their_trading_configuration_applies(engine, trader):
    from trading.settings.services import trading_config_update

    engine.config()
    engine.config(symbol="ETH/USDT")
    engine.signal(price="100")
    trading_config_update(user=trader, fields={"max_open_groups": 1}, partial=True)
    waiting = engine.signal(price="100", symbol="ETH/USDT")
    assert waiting.status == "queued"
    assert waiting.reason.startswith("Your execution pool is full (1/1 open position groups)")
