"""The trade journal: every step of a position told in its owner's service log, on the simulator
through the real services (trading/runtime/journal.py). A trader reads these lines on the Logs
page and the Service page's recent logs; another trader never sees them."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from auditlog.models_logs import ServiceLog
from trading.positions.models import PositionGroup
from trading.risk.services.cycle import risk_cycle
from trading.runtime.journal import JOURNAL_LOGGER
from trading.settings.services import trading_config_update

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
ONE_LEG = [{"gap_percent": "0", "weight_percent": "100", "tp_percent": "50"}]
EXCHANGE_ID = r"exchange order \w+"


def placed(order: str) -> str:
    """The pattern of an order's placement line (the simulator's order ids run across tests)."""
    return rf"Order placed: {re.escape(order)}; {EXCHANGE_ID}\."


def story(user) -> list[ServiceLog]:
    return list(ServiceLog.objects.filter(user=user, module=JOURNAL_LOGGER).order_by("timestamp", "id"))


def told(user) -> list[str]:
    return [row.message for row in story(user)]


def assert_told_in_order(user, *patterns: str) -> None:
    """Each pattern matches a line of the user's journal, in this order (other lines may sit
    between them)."""
    lines = told(user)
    position = 0
    for pattern in patterns:
        for index in range(position, len(lines)):
            if re.fullmatch(pattern, lines[index]):
                position = index + 1
                break
        else:
            raise AssertionError(f"not told after line {position}: {pattern}\n" + "\n".join(lines))


def test_a_whole_cycle_is_told_step_by_step_to_its_owner_and_to_nobody_else(
    engine, client_for, trader, other_trader
):
    engine.config()  # three legs 0 / -1 / -2 %, a take-profit per leg
    engine.signal(price="100")  # the entry's limit is marketable at 100: leg 1 fills at once
    group = engine.group()
    engine.price("BTC/USDT", "98.5")  # leg 2 (99) fills
    engine.monitor()
    engine.price("BTC/USDT", "100.5")  # leg 2's take-profit (99.99) is hit, leg 1's (101) is not
    engine.monitor()
    assert client_for(trader).post(f"/api/v1/positions/{group.pk}/close").status_code == 202
    engine.monitor()
    engine.signal(intent="exit", symbol="ETH/USDT", price="100")  # nothing to exit: refused
    engine.signal(price="100", side="short")  # a spot account trades long only: refused

    lines = told(trader)
    assert lines == [
        "Signal accepted as an entry: opened long BTC/USDT 1h at 100 with 3 orders for 1000 USDT.",
        *lines[1:2],
        "Leg 1 of long BTC/USDT 1h filled: bought 4 BTC/USDT at 100. The position holds 4 at an average 100.",
        *lines[3:6],
        "Leg 2 of long BTC/USDT 1h filled: bought 3.0303 BTC/USDT at 99. "
        "The position holds 7.0303 at an average 99.56896576.",
        *lines[7:8],
        "Take-profit of leg 2 of long BTC/USDT 1h hit: sold 3.0303 BTC/USDT at 99.99. "
        "Realized PnL of the position so far +2.39699761 USDT.",
        "Closing long BTC/USDT 1h (by hand): its open orders are cancelled and the 4 it holds is sold "
        "at market.",
        *lines[10:11],
        "Sold 4 BTC/USDT at 100.5 to close long BTC/USDT 1h (by hand). "
        "Realized PnL of the position so far +3.59499761 USDT.",
        "Position long BTC/USDT 1h closed (by hand): realized PnL +3.59499761 USDT, "
        "fees 1.40499939 included.",
        "Exit signal for long ETH/USDT 1h refused by the engine: "
        "There is no open long position on ETH/USDT 1h to exit.",
        "Signal for short BTC/USDT 1h refused by the engine: "
        "Short positions need a derivatives account; spot accounts trade long only.",
    ]
    # The exchange's order ids are the simulator's (shared by the session's tests): matched.
    assert [line for line in lines if line.startswith("Order placed")] == lines[1:2] + lines[3:6] + lines[
        7:8
    ] + lines[10:11]
    assert_told_in_order(
        trader,
        placed("limit buy 4 BTC/USDT at 100, leg 1 of long BTC/USDT 1h"),
        placed("limit sell 4 BTC/USDT at 101, the take-profit of leg 1 of long BTC/USDT 1h"),
        placed("limit buy 3.0303 BTC/USDT at 99, leg 2 of long BTC/USDT 1h"),
        placed("limit buy 3.06122 BTC/USDT at 98, leg 3 of long BTC/USDT 1h"),
        placed("limit sell 3.0303 BTC/USDT at 99.99, the take-profit of leg 2 of long BTC/USDT 1h"),
        placed("market sell 4 BTC/USDT at market, to close long BTC/USDT 1h (by hand)"),
    )

    rows = story(trader)
    assert {(row.category, row.user_id) for row in rows} == {("TRADING", trader.pk)}
    assert [row.level for row in rows].count("WARNING") == 2  # the two refusals
    assert all(row.context["position_id"] == str(group.pk) for row in rows[:-2])
    first_order = next(row for row in rows if row.message.startswith("Order placed"))
    assert first_order.context["exchange_order_id"] == engine.legs(group)[0].exchange_order_id
    assert (first_order.context["side"], first_order.context["type"], first_order.context["quantity"]) == (
        "buy",
        "limit",
        "4",
    )
    leg_fill = next(row for row in rows if row.message.startswith("Leg 2"))
    assert (leg_fill.context["fill_price"], leg_fill.context["fill_quantity"]) == ("99", "3.0303")
    closed = next(row for row in rows if row.message.startswith("Position"))
    assert (closed.context["close_reason"], closed.context["realized_pnl"]) == ("manual", "3.59499761")
    # No key, secret or webhook secret in a line or its context.
    stored = json.dumps([(row.message, row.context) for row in rows])
    for secret in (engine.account.api_key, engine.account.api_secret, trader.webhook_secret):
        assert not secret or str(secret) not in stored

    # The trader reads the same lines through the API the Logs page and the Service page use;
    # another trader reads none of them, by either.
    mine = client_for(trader)
    logs = mine.get("/api/v1/logs", {"page_size": 200}).json()["results"]
    assert [entry["message"] for entry in logs if entry["module"] == JOURNAL_LOGGER] == lines[::-1]
    recent = mine.get("/api/v1/service/logs", {"page_size": 15}).json()["results"]
    assert recent[0]["message"] == lines[-1]
    theirs = client_for(other_trader)
    assert theirs.get("/api/v1/logs").json()["count"] == 0
    assert theirs.get("/api/v1/service/logs").json()["count"] == 0
    assert theirs.get("/api/v1/logs", {"user_id": str(trader.pk)}).json()["count"] == 0


def test_a_stop_loss_is_told_with_the_price_and_the_stop(engine, trader):
    engine.config(levels=ONE_LEG, stop_loss_percent="2")
    engine.signal(price="100")
    engine.price("BTC/USDT", "97.5")
    engine.monitor()
    assert_told_in_order(
        trader,
        r"Leg 1 of long BTC/USDT 1h filled: bought 10 BTC/USDT at 100\. .*",
        r"Closing long BTC/USDT 1h \(stop loss: the price 97\.5 reached the stop 2 % under the average "
        r"entry 100\): its open orders are cancelled and the 10 it holds is sold at market\.",
        placed("market sell 10 BTC/USDT at market, to close long BTC/USDT 1h (stop loss)"),
        r"Sold 10 BTC/USDT at 97\.5 to close long BTC/USDT 1h \(stop loss\)\. .*",
        r"Position long BTC/USDT 1h closed \(stop loss\): realized PnL -[\d.]+ USDT, fees [\d.]+ included\.",
    )


def test_an_aggregate_target_is_told_when_set_and_when_hit(engine, trader):
    engine.config(levels=ONE_LEG, tp_mode="aggregate", tp_aggregate_percent="1")
    engine.signal(price="100")
    engine.price("BTC/USDT", "101")
    engine.monitor()
    assert_told_in_order(
        trader,
        r"Leg 1 of long BTC/USDT 1h filled: .*",
        r"Aggregate take-profit of long BTC/USDT 1h set at 101, 1 % above the average entry 100, "
        r"for the 10 held\.",
        r"Closing long BTC/USDT 1h \(take-profit: the price 101 reached the target 101\): .*",
        r"Sold 10 BTC/USDT at 101 to close long BTC/USDT 1h \(take-profit\)\. .*",
        r"Position long BTC/USDT 1h closed \(take-profit\): realized PnL \+[\d.]+ USDT, .*",
    )


def test_exit_and_reduce_signals_are_told_with_the_position_they_act_on(engine, trader):
    engine.config(levels=ONE_LEG)
    engine.signal(price="100")
    engine.signal(intent="reduce", price="100", reduce_fraction="0.5")
    engine.signal(intent="exit", price="100")
    assert_told_in_order(
        trader,
        r"Reduce signal accepted: selling 50 % of long BTC/USDT 1h at market\.",
        r"Sold 5 BTC/USDT at 100 to sell part of long BTC/USDT 1h \(reduce signal\)\. .*",
        r"Exit signal accepted: closing long BTC/USDT 1h\.",
        r"Closing long BTC/USDT 1h \(exit signal\): .*",
        r"Position long BTC/USDT 1h closed \(exit signal\): .*",
    )
    exit_line = next(row for row in story(trader) if row.message.startswith("Exit signal"))
    assert exit_line.context["position_id"] == str(PositionGroup.objects.get(user=trader).pk)


def test_a_second_pyramid_in_one_candle_is_told_as_a_duplicate(engine, trader):
    engine.config(levels=ONE_LEG, max_pyramids=3)
    engine.signal(price="100")
    engine.signal(price="100")
    assert told(trader)[-1] == (
        "Signal for long BTC/USDT 1h ignored as a duplicate: A pyramid was already added in this 1h candle."
    )


def test_a_queued_signal_is_told_with_its_place_and_when_an_exit_cancels_it(engine, trader):
    engine.config(levels=ONE_LEG)
    engine.config(symbol="ETH/USDT", levels=ONE_LEG)
    trading_config_update(user=trader, fields={"max_open_groups": 1}, partial=True)
    engine.signal(price="100")
    waiting = engine.signal(price="100", symbol="ETH/USDT")
    engine.signal(intent="exit", price="100", symbol="ETH/USDT")
    assert_told_in_order(
        trader,
        r"Signal for long ETH/USDT 1h queued at rank 1 of 1: your execution pool is full "
        r"\(1/1 open position groups\)\.",
        r"Queued signal for long ETH/USDT 1h was cancelled: Cancelled by an exit signal \(.+\)\.",
        r"Exit signal accepted for long ETH/USDT 1h: cancelled the queued signal for ETH/USDT 1h\.",
    )
    queued = next(row for row in story(trader) if "queued at rank" in row.message)
    assert (queued.context["signal_id"], queued.context["rank"], queued.context["status"]) == (
        str(waiting.pk),
        1,
        "queued",
    )


def test_an_order_the_exchange_refuses_is_told_as_a_warning_and_so_is_the_failed_position(engine, trader):
    engine.config(levels=ONE_LEG)
    engine.control.create_account(
        str(engine.account.api_key), str(engine.account.api_secret), {"USDT": "50"}, set_balances=True
    )
    engine.signal(price="100")
    failures = [(row.level, row.message) for row in story(trader) if row.level == "WARNING"]
    assert len(failures) == 2
    assert re.fullmatch(
        r"Order not placed: limit buy 10 BTC/USDT at 100, leg 1 of long BTC/USDT 1h: "
        r".*insufficient balance.*",
        failures[0][1],
    )
    assert failures[1][1] == "Position long BTC/USDT 1h failed (its orders failed): nothing was bought."


def test_a_risk_engine_offset_is_told_in_the_risk_category(engine, trader):
    trading_config_update(
        user=trader, fields={"required_pyramids_for_timer": 1, "post_full_wait_minutes": 0}, partial=True
    )
    engine.config(levels=ONE_LEG)
    engine.signal(price="100")
    engine.price("BTC/USDT", "97")
    engine.monitor()
    action = risk_cycle(user_id=trader.pk, trigger="schedule")
    assert action is not None
    risk = [row for row in story(trader) if row.category == "RISK"]
    assert [row.message for row in risk] == [f"Risk engine offset (scheduled run): {action.details}"]
    assert (risk[0].level, risk[0].context["risk_action_id"], risk[0].context["position_id"]) == (
        "INFO",
        str(action.pk),
        str(action.loser_id),
    )
    assert_told_in_order(
        trader,
        r"Closing long BTC/USDT 1h \(risk engine offset, as the loser\): .*",
        r"Position long BTC/USDT 1h closed \(risk engine offset, as the loser\): .*",
    )


def test_a_pyramid_is_told_with_its_number_and_its_legs_apart_from_the_entrys(engine, trader):
    engine.config(levels=ONE_LEG, max_pyramids=3)
    engine.signal(price="100", sent_at=timezone.now() - timedelta(hours=2))  # an earlier candle
    engine.signal(price="100")
    assert_told_in_order(
        trader,
        r"Signal accepted as an entry: opened long BTC/USDT 1h at 100 with 1 order for 1000 USDT\.",
        placed("limit buy 10 BTC/USDT at 100, leg 1 of long BTC/USDT 1h"),
        r"Signal accepted as pyramid 2: added to long BTC/USDT 1h at 100 with 1 order for 1000 USDT\.",
        placed("limit buy 10 BTC/USDT at 100, leg 1 of pyramid 2 of long BTC/USDT 1h"),
        r"Leg 1 of pyramid 2 of long BTC/USDT 1h filled: bought 10 BTC/USDT at 100\. "
        r"The position holds 20 at an average 100\.",
        placed("limit sell 10 BTC/USDT at 150, the take-profit of leg 1 of pyramid 2 of long BTC/USDT 1h"),
    )


def test_a_reverse_signal_on_spot_is_told_before_the_close_it_starts(engine, trader):
    engine.config(levels=ONE_LEG)
    engine.signal(price="100")
    engine.signal(intent="reverse", price="100")
    assert_told_in_order(
        trader,
        r"Reverse signal accepted: closing long BTC/USDT 1h; "
        r"the short side is not opened: spot accounts trade long only\.",
        r"Closing long BTC/USDT 1h \(reverse signal\): .*",
        placed("market sell 10 BTC/USDT at market, to close long BTC/USDT 1h (reverse signal)"),
        r"Position long BTC/USDT 1h closed \(reverse signal\): realized PnL .*",
    )
    engine.signal(intent="reverse", price="100")  # nothing left to close
    assert told(trader)[-1] == (
        "Reverse signal for long BTC/USDT 1h accepted: there was no open long position to close. "
        "The short side was not opened: spot accounts trade long only."
    )


def test_safety_orders_cancelled_beyond_the_cancel_level_are_told(engine, trader):
    engine.config(cancel_dca_beyond_percent="0.5")
    engine.signal(price="100")
    engine.price("BTC/USDT", "100.6")
    engine.monitor()
    assert_told_in_order(
        trader,
        r"Leg 1 of long BTC/USDT 1h filled: .*",
        r"Cancelling the unfilled legs 2 and 3 of long BTC/USDT 1h: the price 100\.6 is more than "
        r"0\.5 % above the entry 100\.",
    )
    line = next(row for row in story(trader) if row.message.startswith("Cancelling"))
    assert line.context["order_ids"] == [str(leg.pk) for leg in engine.legs()[1:]]


def test_a_take_profit_and_a_stop_reach_the_trader_as_notifications(engine, trader, other_trader):
    from notifications.models import Notification

    engine.config(levels=ONE_LEG, tp_mode="aggregate", tp_aggregate_percent="1")
    engine.signal(price="100")
    engine.price("BTC/USDT", "101")
    engine.monitor()
    # The entry is told too (position opened, leg filled: tests/notifications/test_raised_trading.py).
    hit = Notification.objects.exclude(type__in=["position_opened", "leg_filled"]).get(user=trader)
    assert (hit.type, hit.level, hit.title) == ("take_profit_hit", "info", "Take-profit: long BTC/USDT 1h")
    assert hit.message.startswith("Position long BTC/USDT 1h closed (take-profit): realized PnL +")
    assert hit.link == f"/positions/{hit.data['position_id']}" and hit.read_at is None
    assert not Notification.objects.filter(user=other_trader).exists()
