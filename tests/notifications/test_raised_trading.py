"""The trading events a trader is notified of, raised by the engine itself (against the exchange
simulator, as tests/trading drives it): a signal queued, a position opened (also from the queue),
a leg filled (a tick's fills leave e-mail and Telegram as one message), a queued signal promoted,
a risk engine action, and the daily loss breaker tripping (once per trip). Each one reaches its
owner with the words of their trade journal and a link the web app opens; another trader gets
nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auditlog.models_logs import ServiceLog
from config.tasks import task_named
from notifications.models import Notification, NotificationPreference
from notifications.services.delivery import delivery_run
from notifications.services.notify import DELIVER_TASK
from notifications.services.preferences import preferences_forget
from tests.trading.conftest import Engine, engine_simulator, make_engine
from trading.positions.hooks import FREES_A_SLOT, group_status_changed
from trading.positions.models import PositionGroup
from trading.queue.models import QueueEntry
from trading.queue.services.breaker import breaker_after_close
from trading.queue.tasks import sweep_queues
from trading.risk.services.cycle import risk_cycle
from trading.runtime.journal import JOURNAL_LOGGER
from trading.settings.services import trading_config_update

pytestmark = pytest.mark.django_db(transaction=True)
ONE_LEG = [{"gap_percent": "0", "weight_percent": "100", "tp_percent": "50"}]
THREE_LEGS = [
    {"gap_percent": "0", "weight_percent": "40", "tp_percent": "50"},
    {"gap_percent": "-1", "weight_percent": "30", "tp_percent": "50"},
    {"gap_percent": "-2", "weight_percent": "30", "tp_percent": "50"},
]


__all__ = ["engine_simulator", "make_engine"]  # fixtures used here


@pytest.fixture
def engine(make_engine: Callable[..., Engine], trader: Any) -> Engine:
    """The engine against the exchange simulator, as tests/trading drives it."""
    return make_engine(trader)


def raised(user: Any, type: str) -> list[Notification]:
    return list(Notification.objects.filter(user=user, type=type).order_by("created_at"))


def journal(user: Any) -> list[str]:
    rows = ServiceLog.objects.filter(user=user, module=JOURNAL_LOGGER).order_by("timestamp", "id")
    return [row.message for row in rows]


@pytest.fixture
def held_deliveries(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The delivery tasks sent, held as a broker holds a countdown (eager Celery would run them at
    once): the test runs them when the window has passed, as the worker would."""
    task = task_named(DELIVER_TASK)
    held: list[int] = []

    def hold(*args: Any, **kwargs: Any) -> None:
        sent = kwargs["kwargs"]
        held.extend(sent["delivery_ids"])

    monkeypatch.setattr(task, "apply_async", hold)
    return held


def run_held(held: list[int]) -> None:
    for delivery_id in held:
        delivery_run(delivery_id=delivery_id)
    held.clear()


# --- a signal queued, a position opened, a queued signal promoted --------------------------------


def test_an_entry_and_a_queued_signal_reach_their_owner_and_the_promotion_too(engine, trader, other_trader):
    engine.config(levels=ONE_LEG)
    engine.config(levels=ONE_LEG, symbol="ETH/USDT")
    trading_config_update(user=trader, fields={"max_open_groups": 1}, partial=True)
    engine.signal(price="100")
    btc = engine.group()
    [opened] = raised(trader, "position_opened")
    assert (opened.level, opened.title, opened.link) == (
        "info",
        "Position opened: long BTC/USDT 1h",
        f"/positions/{btc.pk}",
    )
    assert opened.message == (
        "Signal accepted as an entry: opened long BTC/USDT 1h at 100 with 1 order for 1000 USDT."
    )
    assert opened.message in journal(trader)

    waiting = engine.signal(price="100", symbol="ETH/USDT")
    assert waiting.status == "queued"
    [queued] = raised(trader, "signal_queued")
    assert (queued.level, queued.title, queued.link) == ("info", "Signal queued: long ETH/USDT 1h", "/queue")
    assert queued.message == (
        "Signal for long ETH/USDT 1h queued at rank 1 of 1: your execution pool is full "
        "(1/1 open position groups)."
    )
    assert queued.message in journal(trader)
    assert queued.data["signal_id"] == str(waiting.pk)

    engine.signal(intent="exit", price="100")  # BTC closes: its slot promotes the ETH entry
    entry = QueueEntry.objects.get()
    assert entry.status == "promoted"
    eth = PositionGroup.objects.get(user=trader, symbol="ETH/USDT")
    from_queue = raised(trader, "position_opened")[-1]
    assert (from_queue.title, from_queue.link) == (
        "Position opened: long ETH/USDT 1h",
        f"/positions/{eth.pk}",
    )
    assert from_queue.message.startswith("Signal accepted as an entry: opened long ETH/USDT 1h at 100 ")
    assert "Opened from the queue from rank 1 (a pool slot freed)" in from_queue.message
    [promoted] = raised(trader, "queue_promoted")
    assert (promoted.level, promoted.title, promoted.link) == (
        "info",
        "Queued signal promoted: long ETH/USDT 1h",
        f"/positions/{eth.pk}",
    )
    assert promoted.message.startswith(
        "The queued signal for long ETH/USDT 1h left the queue: opened from the queue from rank 1 "
        "(a pool slot freed); grid laid from the current price 100."
    )
    assert promoted.data["queue_entry_id"] == str(entry.pk)
    assert not Notification.objects.filter(user=other_trader).exists()


# --- legs filled ---------------------------------------------------------------------------------


def test_each_leg_filled_is_told_with_the_journals_words(engine, trader, other_trader):
    engine.config(levels=THREE_LEGS)
    engine.signal(price="100")  # leg 1 (at 100) fills as it is placed
    group = engine.group()
    [first] = raised(trader, "leg_filled")
    assert (first.level, first.title, first.link) == (
        "info",
        "Leg 1 filled: long BTC/USDT 1h",
        f"/positions/{group.pk}",
    )
    assert first.message == "Bought 4 BTC/USDT at 100."
    assert "Leg 1 of long BTC/USDT 1h filled: bought 4 BTC/USDT at 100. The position holds 4 at an " in (
        "\n".join(journal(trader))
    )
    assert first.read_at is None  # in the app, unread
    engine.price("BTC/USDT", "97.5")
    with CaptureQueriesContext(connection) as queries:
        engine.monitor()  # legs 2 and 3 fill in this tick
    legs = raised(trader, "leg_filled")
    assert [(n.title, n.message) for n in legs[1:]] == [
        (
            "Leg 2 filled: long BTC/USDT 1h",
            "Bought 3.0303 BTC/USDT at 99.",
        ),
        (
            "Leg 3 filled: long BTC/USDT 1h",
            "Bought 3.06122 BTC/USDT at 98.",
        ),
    ]
    assert "Leg 3 of long BTC/USDT 1h filled: bought 3.06122 BTC/USDT at 98. " in "\n".join(journal(trader))
    # One tick, one group; the placement's fill was another.
    assert legs[1].group_key == legs[2].group_key != legs[0].group_key
    assert legs[1].group_key.startswith("fills:")
    # On the engine's hot path a fill costs notify()'s one INSERT and nothing else (after the
    # commit, notify() counts the unread for the live event: its own, not the engine's).
    notifying = [q["sql"] for q in queries.captured_queries if "notifications_" in q["sql"]]
    inserts = [sql for sql in notifying if sql.startswith("INSERT")]
    assert len(inserts) == 2
    assert all("COUNT(*)" in sql for sql in notifying if not sql.startswith("INSERT"))
    assert not Notification.objects.filter(user=other_trader).exists()


def thirty_legs_to_fill(engine: Engine) -> None:
    """31 legs, 0.25 % apart: leg 1 fills as it is placed."""
    levels = [{"gap_percent": "0", "weight_percent": "10", "tp_percent": "50"}] + [
        {"gap_percent": f"-{i * 0.25:g}", "weight_percent": "3", "tp_percent": "50"} for i in range(1, 31)
    ]
    engine.config(levels=levels, tp_mode="aggregate", tp_aggregate_percent="50")
    engine.signal(price="100", order_size="30000")


def one_tick_fills_thirty(engine: Engine) -> list[Notification]:
    """Legs 2 to 31 fill in one monitor tick."""
    engine.price("BTC/USDT", "90")
    engine.monitor()
    legs = raised(engine.user, "leg_filled")
    assert len(legs) == 31
    assert len({n.group_key for n in legs[1:]}) == 1
    return legs[1:]


def test_thirty_legs_filled_in_one_tick_leave_as_one_e_mail(
    engine, trader, smtp_server, held_deliveries, settings
):
    settings.NOTIFY_GROUP_WINDOW_SECONDS = 5
    NotificationPreference.objects.create(
        user=trader, types={"leg_filled": {"email": True}}, min_level_email="info"
    )
    preferences_forget(trader.pk)
    thirty_legs_to_fill(engine)
    run_held(held_deliveries)  # leg 1's e-mail, on its own
    before = len(smtp_server.messages)
    legs = one_tick_fills_thirty(engine)
    assert len(held_deliveries) == 30  # one e-mail delivery each, all of one batch
    run_held(held_deliveries)
    [burst] = smtp_server.messages[before:]
    assert burst["Subject"] == "30 notifications: Leg filled"
    body = burst.get_content()
    assert f"• {legs[0].title}: {legs[0].message}" in body
    listed = sum(f"• {n.title}: {n.message}" in body for n in legs)
    more = 30 - listed
    assert more == 0 or f"… and {more} more" in body  # as many as the message holds, the rest counted


def test_thirty_legs_filled_in_one_tick_leave_telegram_as_one_message_listing_them(
    engine, trader, link_telegram, fake_telegram, held_deliveries, settings
):
    settings.NOTIFY_GROUP_WINDOW_SECONDS = 5
    link_telegram(trader, email_enabled=False, min_level_telegram="info")
    thirty_legs_to_fill(engine)
    run_held(held_deliveries)  # the entry's messages (position opened, leg 1)
    before = len(fake_telegram.texts())
    legs = one_tick_fills_thirty(engine)
    assert len(held_deliveries) == 30
    run_held(held_deliveries)
    [burst] = fake_telegram.texts()[before:]
    assert burst.startswith("30 notifications: Leg filled")
    for n in legs:
        assert f"• {n.title}: {n.message}" in burst
    assert len(burst) <= 4096


# --- the risk engine ------------------------------------------------------------------------------


def test_a_risk_engine_offset_is_told_with_a_link_to_the_loser(engine, trader, other_trader):
    trading_config_update(
        user=trader, fields={"required_pyramids_for_timer": 1, "post_full_wait_minutes": 0}, partial=True
    )
    engine.config(levels=ONE_LEG)
    engine.signal(price="100")
    engine.price("BTC/USDT", "97")
    engine.monitor()
    action = risk_cycle(user_id=trader.pk, trigger="schedule")
    assert action is not None
    [told] = raised(trader, "risk_action")
    assert (told.level, told.title, told.link) == (
        "warning",
        "Risk engine offset: BTC/USDT 1h",
        f"/positions/{action.loser_id}",
    )
    assert told.message == f"Risk engine offset (scheduled run): {action.details}"
    assert told.message in journal(trader)
    assert told.data["risk_action_id"] == str(action.pk)
    assert not Notification.objects.filter(user=other_trader).exists()


def test_a_risk_offset_that_fails_is_told_as_an_error(engine, trader, monkeypatch):
    from trading.risk.services import cycle

    trading_config_update(
        user=trader, fields={"required_pyramids_for_timer": 1, "post_full_wait_minutes": 0}, partial=True
    )
    engine.config(levels=ONE_LEG)
    engine.signal(price="100")
    loser = engine.group()
    engine.price("BTC/USDT", "97")
    engine.monitor()

    def unreachable(**_: Any) -> None:
        raise RuntimeError("exchange unreachable")

    monkeypatch.setattr(cycle, "group_close", unreachable)
    with pytest.raises(cycle.RiskExecutionFailed):
        risk_cycle(user_id=trader.pk, trigger="manual")
    [told] = raised(trader, "risk_action")
    assert (told.level, told.title, told.link) == (
        "error",
        "Risk engine offset failed: BTC/USDT 1h",
        f"/positions/{loser.pk}",
    )
    assert told.message == (
        "Risk engine offset failed (run by hand): Nothing was sent: RuntimeError: exchange unreachable"
    )
    assert told.message in journal(trader)


# --- the daily loss breaker -----------------------------------------------------------------------

TRIPPED = (
    "The daily loss limit is reached (realized -11.99 today, limit 5): nothing opens until tomorrow "
    "(UTC) or a reset."
)


def lose_on(engine, symbol: str) -> None:
    """A position bought 10 @ 100 and exited at 99: -10 and 1.99 of fees."""
    engine.signal(price="100", symbol=symbol)
    engine.price(symbol, "99")
    engine.signal(intent="exit", price="99", symbol=symbol)
    assert (
        PositionGroup.objects.filter(user=engine.user, symbol=symbol).latest("opened_at").status == "closed"
    )


@pytest.fixture
def limited(engine, trader):
    engine.config(levels=ONE_LEG)
    engine.config(levels=ONE_LEG, symbol="ETH/USDT")
    trading_config_update(user=trader, fields={"max_realized_loss_per_day": "5"}, partial=True)
    return engine


def test_the_daily_loss_breaker_is_told_once_per_trip_as_critical(limited, trader, other_trader, api):
    lose_on(limited, "BTC/USDT")
    assert limited.signal(price="100", symbol="ETH/USDT").status == "queued"  # the check that finds it
    [tripped] = raised(trader, "daily_loss_breaker")
    assert (tripped.level, tripped.title, tripped.message, tripped.link) == (
        "critical",
        "Daily loss limit reached: nothing opens",
        TRIPPED,
        "/queue",
    )
    assert TRIPPED in journal(trader)
    # Checked again and again while it stays tripped: told once.
    limited.signal(price="101", symbol="ETH/USDT")
    sweep_queues.apply()
    assert api.get("/api/v1/queue/summary").json()["circuit_breaker"]["tripped"] is True
    assert len(raised(trader, "daily_loss_breaker")) == 1
    assert journal(trader).count(TRIPPED) == 1

    # A reset lifts it (the queued ETH entry opens); a new loss trips it again: told again.
    assert api.post("/api/v1/queue/circuit-breaker/reset").status_code == 200
    limited.price("ETH/USDT", "99")
    limited.signal(intent="exit", price="99", symbol="ETH/USDT")
    limited.signal(price="100", symbol="BTC/USDT")
    assert len(raised(trader, "daily_loss_breaker")) == 2
    assert not Notification.objects.filter(user=other_trader).exists()


def test_the_losing_close_that_trips_the_breaker_tells_it_at_once(limited, trader):
    # The receiver trading/queue/receivers.py connects (see breaker_after_close).
    def closed(sender: Any, *, group: PositionGroup, previous: str, **_: Any) -> None:
        if group.status in FREES_A_SLOT:
            breaker_after_close(group)

    group_status_changed.connect(closed, dispatch_uid="test-breaker-after-close")
    try:
        lose_on(limited, "BTC/USDT")
    finally:
        group_status_changed.disconnect(dispatch_uid="test-breaker-after-close")
    [tripped] = raised(trader, "daily_loss_breaker")
    assert tripped.message == TRIPPED
