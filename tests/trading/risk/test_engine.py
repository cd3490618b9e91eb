"""The risk engine as a service, on the simulator with real orders: timers, the loser and its
tie-breaks, winners (three at most, only what is needed, rounded down to the step, none under the
minimum notional), the record, skip once and block, running twice, and a disabled engine."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from brokers.precision import floor_to
from trading.positions.models import OPEN_GROUP_STATUSES, DCAOrder, PositionGroup
from trading.risk.models import RiskAction
from trading.risk.services.controls import risk_group_block, risk_group_skip_once
from trading.risk.services.cycle import risk_cycle
from trading.settings.services import trading_config_update

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
# One leg, its take-profit resting far above (it holds the coins: winners take it down to sell).
ONE_LEG = [{"gap_percent": "0", "weight_percent": "100", "tp_percent": "200"}]
THREE_LEGS = [
    {"gap_percent": "0", "weight_percent": "40", "tp_percent": "1"},
    {"gap_percent": "-1", "weight_percent": "30", "tp_percent": "1"},
    {"gap_percent": "-2", "weight_percent": "30", "tp_percent": "1"},
]


def risk_settings(user, **fields) -> None:
    """Fast timers: one pyramid is enough, no wait after the last leg fills."""
    fields = {"required_pyramids_for_timer": 1, "post_full_wait_minutes": 0, **fields}
    trading_config_update(user=user, fields=fields, partial=True)


def open_position(engine, symbol: str, *, size: str = "1000", price: str = "100", **config) -> PositionGroup:
    engine.config(symbol=symbol, levels=config.pop("levels", ONE_LEG), **config)
    engine.price(symbol, price)
    engine.signal(symbol=symbol, price=price, order_size=size)
    return PositionGroup.objects.get(user=engine.user, symbol=symbol, status__in=OPEN_GROUP_STATUSES)


def move(engine, prices: dict[str, str]) -> None:
    for symbol, price in prices.items():
        engine.price(symbol, price)
    engine.monitor()


def the_wait_elapses(group: PositionGroup, minutes: int) -> None:
    """As if `minutes` passed: the engine compares the stored expiry with the clock."""
    PositionGroup.objects.filter(pk=group.pk).update(
        risk_timer_expires_at=F("risk_timer_expires_at") - timedelta(minutes=minutes)
    )


def cycle(engine) -> RiskAction | None:
    return risk_cycle(user_id=engine.user.pk, trigger="schedule")


def fresh(group: PositionGroup) -> PositionGroup:
    group.refresh_from_db()
    return group


def remaining_minutes(group: PositionGroup) -> float:
    return (fresh(group).risk_timer_expires_at - timezone.now()).total_seconds() / 60


# --- timers -------------------------------------------------------------------------------------


def test_the_timer_starts_when_every_leg_filled_resets_on_recovery_and_then_the_loser_closes(engine):
    risk_settings(engine.user, post_full_wait_minutes=15)
    # Three legs (100, 99, 98); the aggregate target is far away.
    group = open_position(
        engine, "BTC/USDT", levels=THREE_LEGS, tp_mode="aggregate", tp_aggregate_percent="20"
    )
    assert cycle(engine) is None
    assert fresh(group).risk_timer_expires_at is None  # the 99 and 98 legs still rest

    move(engine, {"BTC/USDT": "98"})
    assert fresh(group).status == "active"
    assert cycle(engine) is None
    assert 14.9 < remaining_minutes(group) <= 15  # eligible: the countdown started

    move(engine, {"BTC/USDT": "97"})  # about -2.2 %: below the threshold
    started = fresh(group).risk_timer_expires_at
    assert cycle(engine) is None
    assert fresh(group).risk_timer_expires_at == started  # a loss keeps the countdown going

    the_wait_elapses(group, 10)
    move(engine, {"BTC/USDT": "99.5"})  # back in profit: recovered
    assert cycle(engine) is None
    assert 14.9 < remaining_minutes(group) <= 15  # a full wait again

    move(engine, {"BTC/USDT": "97"})
    assert cycle(engine) is None
    assert fresh(group).status == "active"

    the_wait_elapses(group, 15)
    action = cycle(engine)
    assert action is not None and action.loser_id == group.pk
    assert (fresh(group).status, group.close_reason) == ("closed", "risk_engine")
    assert group.realized_pnl < 0


def test_a_group_below_the_required_pyramids_gets_no_timer(engine):
    risk_settings(engine.user, required_pyramids_for_timer=2)
    group = open_position(engine, "BTC/USDT")
    move(engine, {"BTC/USDT": "90"})
    assert cycle(engine) is None
    assert fresh(group).risk_timer_expires_at is None
    assert fresh(group).status == "active"


# --- the loser ----------------------------------------------------------------------------------


def test_the_deepest_loss_percent_is_closed_first_one_loser_a_cycle(engine):
    risk_settings(engine.user)
    btc = open_position(engine, "BTC/USDT")
    eth = open_position(engine, "ETH/USDT", size="3000")
    move(engine, {"BTC/USDT": "95", "ETH/USDT": "97"})  # -5.1 % (51) and -3.1 % (93)
    first = cycle(engine)
    assert first.loser_id == btc.pk
    assert (fresh(btc).status, fresh(eth).status) == ("closed", "active")
    second = cycle(engine)
    assert second.loser_id == eth.pk
    assert fresh(eth).status == "closed"
    assert cycle(engine) is None


def test_at_an_equal_loss_percent_the_larger_loss_is_closed_first(engine):
    risk_settings(engine.user)
    older = open_position(engine, "BTC/USDT", size="1000")
    larger = open_position(engine, "ETH/USDT", size="2000")
    move(engine, {"BTC/USDT": "97", "ETH/USDT": "97"})  # both -3.1 %: -31 and -62
    action = cycle(engine)
    assert action.loser_id == larger.pk
    assert (action.loser_loss, action.loser_loss_percent) == (D("-62"), D("-3.1"))
    assert fresh(older).status == "active"


def test_at_an_equal_loss_the_oldest_group_is_closed_first(engine):
    risk_settings(engine.user)
    oldest = open_position(engine, "BTC/USDT")
    newer = open_position(engine, "ETH/USDT")
    move(engine, {"BTC/USDT": "97", "ETH/USDT": "97"})
    assert cycle(engine).loser_id == oldest.pk
    assert fresh(newer).status == "active"


def test_a_loser_without_winners_still_closes_in_full(engine):
    risk_settings(engine.user)
    group = open_position(engine, "BTC/USDT")
    move(engine, {"BTC/USDT": "97"})
    action = cycle(engine)
    assert (action.covered, action.fully_covered, action.winners) == (0, False, [])
    assert fresh(group).status == "closed"
    close = DCAOrder.objects.get(group=group, role="close")
    assert (close.quantity, close.reason, close.status) == (D("10"), "risk_engine", "filled")


# --- winners ------------------------------------------------------------------------------------


def test_winners_sell_only_what_is_needed_rounded_down_to_the_step(engine):
    risk_settings(engine.user)
    loser = open_position(engine, "BTC/USDT", size="100")  # 1 BTC
    best = open_position(engine, "ETH/USDT")  # 10 ETH
    second = open_position(engine, "SOL/USDT")  # 10 SOL
    move(engine, {"BTC/USDT": "97.7", "ETH/USDT": "111", "SOL/USDT": "105"})
    action = cycle(engine)
    # The loss is 2.3 + the 0.1 buy fee = 2.4. ETH (profit 109) pays: 2.4 / 11 = 0.21818...,
    # rounded down to ETH's step (0.0001): 0.2181, realizing 2.3991. The 0.0009 left is less
    # than one SOL step of profit (0.001 * 5), so SOL sells nothing.
    assert action.required == D("2.4")
    assert [(w["symbol"], w["quantity"]) for w in action.winners] == [("ETH/USDT", "0.2181")]
    assert (action.covered, action.fully_covered) == (D("2.3991"), False)
    assert fresh(best).filled_quantity == D("10") - D("0.2181")
    assert fresh(best).status == "active"  # a partial close keeps the winner open
    assert fresh(second).filled_quantity == D("10")
    assert not DCAOrder.objects.filter(group=second, role="close").exists()
    assert fresh(loser).status == "closed"


def test_at_most_three_winners_pay_and_a_fourth_is_left_alone(engine):
    risk_settings(engine.user)
    loser = open_position(engine, "BTC/USDT")  # 10 BTC
    winners = {
        symbol: open_position(engine, symbol, size="100")  # 1 unit each
        for symbol in ("ETH/USDT", "SOL/USDT", "BNB/USDT", "LTC/USDT")
    }
    move(
        engine,
        {"BTC/USDT": "90", "ETH/USDT": "110", "SOL/USDT": "111", "BNB/USDT": "112", "LTC/USDT": "113"},
    )
    action = cycle(engine)
    assert action.required == D("101")  # 100 down, plus the 1 USDT buy fee
    # Best first (LTC 12.9, BNB 11.9, SOL 10.9): each sells profit / per-unit profit, rounded
    # down to the 0.001 step; ETH, the fourth, is left alone.
    assert [(w["symbol"], w["quantity"]) for w in action.winners] == [
        ("LTC/USDT", "0.992"),
        ("BNB/USDT", "0.991"),
        ("SOL/USDT", "0.99"),
    ]
    assert action.covered == D("0.992") * 13 + D("0.991") * 12 + D("0.99") * 11
    assert not action.fully_covered
    for symbol in ("LTC/USDT", "BNB/USDT", "SOL/USDT"):
        order = DCAOrder.objects.get(group=winners[symbol], role="close")
        assert (order.reason, order.status, order.order_type) == ("risk_offset", "filled", "market")
    assert fresh(winners["ETH/USDT"]).filled_quantity == 1
    assert not DCAOrder.objects.filter(group=winners["ETH/USDT"], role="close").exists()
    assert fresh(loser).status == "closed"


def test_a_winner_whose_sale_would_be_under_the_minimum_notional_is_skipped(engine):
    risk_settings(engine.user)
    loser = open_position(engine, "BTC/USDT", size="100")
    tiny = open_position(engine, "ETH/USDT", size="100")  # 1 ETH, doubles: profit 99.9
    other = open_position(engine, "SOL/USDT")  # 10 SOL: profit 19
    move(engine, {"BTC/USDT": "97.9", "ETH/USDT": "200", "SOL/USDT": "102"})
    action = cycle(engine)
    # ETH would sell 2.2 / 100 = 0.022 ETH, worth 4.4 USDT: under the 5 USDT minimum.
    assert [(w["symbol"], w["quantity"]) for w in action.winners] == [("SOL/USDT", "1.1")]
    assert (action.required, action.covered, action.fully_covered) == (D("2.2"), D("2.2"), True)
    assert fresh(tiny).filled_quantity == 1
    assert not DCAOrder.objects.filter(group=tiny, role="close").exists()
    assert fresh(other).filled_quantity == D("8.9")
    assert fresh(loser).status == "closed"


def test_a_winner_gets_its_take_profit_back_for_what_remains(engine):
    risk_settings(engine.user)
    open_position(engine, "BTC/USDT", size="100")
    winner = open_position(engine, "ETH/USDT")
    move(engine, {"BTC/USDT": "97", "ETH/USDT": "110"})
    eth_before = engine.balance("ETH")
    cycle(engine)
    take_profits = DCAOrder.objects.filter(group=winner, role="take_profit").order_by("created_at")
    assert [(tp.status, tp.quantity) for tp in take_profits] == [("cancelled", D("10")), ("open", D("9.69"))]
    assert engine.balance("ETH") == eth_before - D("0.31")  # the exchange sold what was planned


def test_a_winner_whose_take_profit_cannot_be_taken_down_sits_out_and_keeps_it(engine):
    risk_settings(engine.user)
    loser = open_position(engine, "BTC/USDT")
    winner = open_position(engine, "ETH/USDT")
    move(engine, {"BTC/USDT": "97", "ETH/USDT": "110"})
    engine.control.set_faults(error_rate=1.0, match=["DELETE /api/v3/order"], count=1)  # one cancel fails
    action = cycle(engine)
    assert action.winners == [] and not action.fully_covered
    assert fresh(loser).status == "closed"  # the loser closes all the same
    take_profit = DCAOrder.objects.get(group=winner, role="take_profit")
    assert (take_profit.status, take_profit.cancel_requested) == ("open", False)  # left in place
    assert fresh(winner).filled_quantity == 10


# --- the record ---------------------------------------------------------------------------------


def test_the_record_holds_every_quantity_and_price(engine):
    risk_settings(engine.user)
    loser = open_position(engine, "BTC/USDT")
    winner = open_position(engine, "ETH/USDT")
    move(engine, {"BTC/USDT": "97", "ETH/USDT": "110"})
    action = cycle(engine)
    assert action == RiskAction.objects.get(user=engine.user)
    assert (action.symbol, action.timeframe, action.trigger, action.status) == (
        "BTC/USDT",
        "1h",
        "schedule",
        "executed",
    )
    assert (action.loser_quantity, action.loser_price, action.loser_avg_entry) == (D("10"), D("97"), D("100"))
    assert (action.loser_loss, action.loser_loss_percent, action.required) == (D("-31"), D("-3.1"), D("31"))
    assert (action.covered, action.fully_covered) == (D("31"), True)
    order = DCAOrder.objects.get(group=winner, role="close")
    assert action.winners == [
        {
            "group": str(winner.pk),
            "symbol": "ETH/USDT",
            "timeframe": "1h",
            "quantity": "3.1",
            "price": "110",
            "avg_entry": "100",
            "expected_realized": "31",
            "order": str(order.pk),
        }
    ]
    assert (order.quantity, order.avg_fill_price, order.status) == (D("3.1"), D("110"), "filled")
    assert floor_to(D("31") / D("10"), D("0.0001")) == order.quantity
    assert "not fully covered" not in action.details
    assert fresh(loser).realized_pnl == 10 * D("97") - 1000 - fresh(loser).fees


def test_the_owner_receives_the_risk_action_live_and_nobody_else(make_engine, trader, other_trader):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from notifications.events import group_for_user

    layer = get_channel_layer()

    def listen(user) -> str:
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(group_for_user(user.pk), channel)
        return channel

    def risk_events(channel: str) -> list[dict]:
        import asyncio

        received: list[dict] = []

        async def take() -> None:
            while True:
                try:
                    message = await asyncio.wait_for(layer.receive(channel), 0.3)
                except TimeoutError:
                    return
                received.append(message["event"])

        async_to_sync(take)()
        return [event["data"] for event in received if event["type"] == "risk.action"]

    engine = make_engine(trader)
    make_engine(other_trader)
    risk_settings(trader)
    open_position(engine, "BTC/USDT")
    move(engine, {"BTC/USDT": "97"})
    mine, theirs = listen(trader), listen(other_trader)
    action = cycle(engine)
    (event,) = risk_events(mine)
    assert (event["id"], event["symbol"], event["required"], event["status"]) == (
        str(action.pk),
        "BTC/USDT",
        "31",
        "executed",
    )
    assert risk_events(theirs) == []


# --- the trader's controls ----------------------------------------------------------------------


def test_skip_once_leaves_the_loser_out_for_one_cycle_only(engine, trader):
    risk_settings(engine.user)
    group = open_position(engine, "BTC/USDT")
    move(engine, {"BTC/USDT": "97"})
    risk_group_skip_once(user=trader, group_id=group.pk)
    assert cycle(engine) is None
    assert (fresh(group).status, group.risk_skip_once) == ("active", False)  # used up
    assert cycle(engine).loser_id == group.pk


def test_a_winner_marked_skip_once_does_not_pay_that_cycle(engine, trader):
    risk_settings(engine.user)
    open_position(engine, "BTC/USDT")
    skipped = open_position(engine, "ETH/USDT")
    move(engine, {"BTC/USDT": "97", "ETH/USDT": "110"})
    risk_group_skip_once(user=trader, group_id=skipped.pk)
    action = cycle(engine)
    assert action.winners == []
    assert fresh(skipped).filled_quantity == 10 and not skipped.risk_skip_once


def test_a_blocked_group_stays_out_until_unblocked(engine, trader):
    risk_settings(engine.user)
    group = open_position(engine, "BTC/USDT")
    move(engine, {"BTC/USDT": "97"})
    risk_group_block(user=trader, group_id=group.pk, blocked=True)
    assert cycle(engine) is None
    assert cycle(engine) is None
    assert fresh(group).status == "active"
    risk_group_block(user=trader, group_id=group.pk, blocked=False)
    assert cycle(engine).loser_id == group.pk


def test_running_the_cycle_twice_closes_once(engine):
    risk_settings(engine.user)
    group = open_position(engine, "BTC/USDT")
    move(engine, {"BTC/USDT": "97"})
    assert cycle(engine) is not None
    assert cycle(engine) is None
    assert RiskAction.objects.filter(user=engine.user).count() == 1
    assert DCAOrder.objects.filter(group=group, role="close").count() == 1


def test_a_loser_already_closing_is_not_closed_again(engine):
    risk_settings(engine.user)
    group = open_position(engine, "BTC/USDT")
    move(engine, {"BTC/USDT": "97"})
    PositionGroup.objects.filter(pk=group.pk).update(status="closing")  # a close under way
    assert cycle(engine) is None
    assert not RiskAction.objects.exists()
    assert not DCAOrder.objects.filter(group=group, role="close").exists()


def test_nothing_happens_with_the_risk_engine_disabled(engine):
    risk_settings(engine.user, risk_engine_enabled=False)
    group = open_position(engine, "BTC/USDT")
    move(engine, {"BTC/USDT": "90"})
    assert cycle(engine) is None
    assert (fresh(group).status, group.risk_timer_expires_at) == ("active", None)
    assert not RiskAction.objects.exists()


def test_nothing_happens_while_the_service_is_stopped(engine):
    from trading.runtime.services import service_status_for

    risk_settings(engine.user)
    group = open_position(engine, "BTC/USDT")
    move(engine, {"BTC/USDT": "90"})
    status = service_status_for(engine.user.pk)
    status.running = False
    status.save()
    assert cycle(engine) is None
    assert fresh(group).status == "active"
