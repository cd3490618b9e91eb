"""The fill monitor at scale: one ticker request per exchange per tick, an order looked up only
when the price crossed it, and one user's broken account never holding up another's."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db.models import Sum

from tests.factories import UserFactory
from trading.execution import tasks
from trading.execution.services import monitor as services_monitor
from trading.execution.services.reconcile import account_reconcile
from trading.positions.models import DCAOrder, Fill
from trading.runtime.models import ServiceTaskExecution

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


@pytest.fixture(autouse=True)
def _exact_ticks(monkeypatch):
    # Orders changed in the last 2 s count as changed since the previous tick (clock margin):
    # the tests here place their grids right before the tick they measure.
    monkeypatch.setattr(services_monitor, "CLOCK_MARGIN", timedelta(0))


def _requests(engine) -> dict[str, int]:
    return dict(engine.control.state()["counters"]["by_endpoint"])


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: n - before.get(k, 0) for k, n in after.items() if n != before.get(k, 0)}


def _traders(make_engine, trader, count: int):
    engines = [make_engine(trader)] + [make_engine(UserFactory(role="trader")) for _ in range(count - 1)]
    for engine in engines:
        engine.config()  # legs at 100 (fills at once, take-profit at 101), 99 and 98 rest
        engine.config(symbol="ETH/USDT")
        engine.signal(price="100")
        engine.signal(price="100", symbol="ETH/USDT")
    tasks.monitor_fills.delay()  # the tick that starts the price range at 100
    return engines


def test_one_tick_over_several_users_and_symbols_asks_for_prices_once_and_trades_only_where_crossed(
    make_engine, trader
):
    engines = _traders(make_engine, trader, 3)
    before = _requests(engines[0])
    engines[0].price("BTC/USDT", "98.5")  # crosses every user's BTC leg at 99, not the one at 98
    assert tasks.monitor_fills.delay().get() == 3
    sent = _delta(before, _requests(engines[0]))
    assert sent.pop("GET /api/v3/ticker/24hr") == 1  # BTC and ETH in one request, for all users
    assert sent.pop("GET /api/v3/myTrades") == 3  # one per account, for its one crossed order
    assert sent.pop("POST /api/v3/order") == 3  # the take-profit of each leg that filled
    assert sent == {}  # no open-orders sweep, no lookup of an order the price never reached


def test_a_disabled_accounts_crossed_orders_are_not_checked(make_engine, trader):
    """The crossed orders are found per symbol, then their accounts: a disabled account's orders
    cost no request and stay as they were, the others' fill."""
    engines = _traders(make_engine, trader, 2)
    disabled = engines[1].account
    disabled.is_enabled = False
    disabled.save(update_fields=["is_enabled", "updated_at"])
    before = _requests(engines[0])
    engines[0].price("BTC/USDT", "98.5")
    assert tasks.monitor_fills.delay().get() == 1
    assert _delta(before, _requests(engines[0]))["GET /api/v3/myTrades"] == 1
    legs = {
        engine.user.pk: DCAOrder.objects.get(user=engine.user, symbol="BTC/USDT", role="leg", level=1).status
        for engine in engines
    }
    assert legs == {engines[0].user.pk: "filled", engines[1].user.pk: "open"}


def test_a_crossed_orders_fill_is_recorded_and_its_take_profit_placed(engine):
    engine.config()
    engine.signal(price="100")
    tasks.monitor_fills.delay()
    engine.price("BTC/USDT", "98.9")
    tasks.monitor_fills.delay()
    legs = engine.legs()
    assert [leg.status for leg in legs] == ["filled", "filled", "open"]
    fills = Fill.objects.filter(order=legs[1])
    assert [(f.price, f.quantity) for f in fills] == [(D("99"), D("3.0303"))]
    assert legs[1].fees == fills[0].fee_quote > 0  # the maker fee, from the trade
    tp = DCAOrder.objects.get(leg=legs[1], role="take_profit")
    assert (tp.price, tp.quantity, tp.status) == (D("99.99"), D("3.0303"), "open")
    on_book = engine.control.account(str(engine.account.api_key))["open_orders"]
    assert sorted(D(str(o["price"])) for o in on_book) == [D("98"), D("99.99"), D("101")]


def test_an_uncrossed_resting_order_is_not_looked_up(engine):
    engine.config()
    engine.signal(price="100")
    tasks.monitor_fills.delay()
    before = _requests(engine)
    engine.price("BTC/USDT", "99.5")  # above both resting legs, below the take-profit
    tasks.monitor_fills.delay()
    assert _delta(before, _requests(engine)) == {"GET /api/v3/ticker/24hr": 1}
    assert [leg.status for leg in engine.legs()] == ["filled", "open", "open"]


def test_a_new_grid_the_price_has_not_reached_costs_no_trades_request(engine):
    """An order is looked up when the price crossed it, however new it is: a trades request for
    every new grid and symbol (Binance weighs it 20) spent the whole fleet's request budget at a
    busy signal rate. A leg the price reaches after the grid was sent is still recorded."""
    engine.config()
    engine.price("BTC/USDT", "101")
    engine.signal(price="100")  # the legs at 100, 99 and 98 all rest under the market
    assert [leg.status for leg in engine.legs()] == ["open", "open", "open"]
    before = _requests(engine)
    tasks.monitor_fills.delay()  # the first tick since the grid was sent
    assert _delta(before, _requests(engine)) == {"GET /api/v3/ticker/24hr": 1}
    engine.price("BTC/USDT", "99.5")
    tasks.monitor_fills.delay()
    assert [leg.status for leg in engine.legs()] == ["filled", "open", "open"]
    assert Fill.objects.filter(order=engine.legs()[0]).count() == 1


def test_a_dip_between_two_ticks_is_left_to_reconciliation(engine):
    engine.config()
    engine.signal(price="100")
    tasks.monitor_fills.delay()
    engine.price("BTC/USDT", "98.9")  # the leg at 99 trades on the exchange...
    engine.price("BTC/USDT", "100")  # ...and the price is back before the next tick
    tasks.monitor_fills.delay()
    assert [leg.status for leg in engine.legs()] == ["filled", "open", "open"]
    account_reconcile(account_id=str(engine.account.pk))  # every 5 minutes: the safety net
    assert [leg.status for leg in engine.legs()] == ["filled", "filled", "open"]
    assert Fill.objects.filter(order=engine.legs()[1]).count() == 1


def test_a_failing_account_in_a_batch_does_not_stop_the_others(make_engine, trader, other_trader):
    broken, healthy = make_engine(trader), make_engine(other_trader)
    for engine in (broken, healthy):
        engine.config()
        engine.signal(price="100")
    tasks.monitor_fills.delay()
    account = broken.account
    account.set_credentials(api_key="x" * 64, api_secret="y" * 64)  # a key the exchange refuses
    account.save()
    healthy.price("BTC/USDT", "98.9")
    tasks.monitor_fills.delay()  # both accounts in one batch
    assert [leg.status for leg in healthy.legs()] == ["filled", "filled", "open"]
    assert [leg.status for leg in broken.legs()] == ["filled", "open", "open"]
    failed = ServiceTaskExecution.objects.get(user=trader, task_name="monitor_fills")
    assert failed.status == "failed" and "AuthenticationFailed" in failed.details["error"]
    assert not ServiceTaskExecution.objects.filter(user=other_trader, status="failed").exists()


def test_an_older_unrecorded_fill_is_looked_for_at_the_backfill_not_every_tick(engine, settings):
    """A fill stored without its trades (a failed trades request) is found among the orders
    changed since the last tick, or, once older, by the 6-hour look-back every
    TRADING_FILL_BACKFILL_SECONDS: a tick does not read every order filled in 6 hours."""
    from django.core.cache import cache
    from django.utils import timezone

    engine.config()
    engine.signal(price="100")
    tasks.monitor_fills.delay()
    entry = DCAOrder.objects.get(group=engine.group(), role="leg", level=0)
    assert entry.status == "filled" and Fill.objects.filter(order=entry).exists()
    Fill.objects.filter(order=entry).delete()  # as if its trades were never stored
    DCAOrder.objects.filter(pk=entry.pk).update(updated_at=timezone.now() - timedelta(minutes=2))
    before = _requests(engine)
    tasks.monitor_fills.delay()  # the look-back ran at the first tick: not due yet
    assert "GET /api/v3/myTrades" not in _delta(before, _requests(engine))
    assert not Fill.objects.filter(order=entry).exists()
    cache.delete(services_monitor.BACKFILL_KEY)  # TRADING_FILL_BACKFILL_SECONDS later
    tasks.monitor_fills.delay()
    recorded = Fill.objects.filter(order=entry).aggregate(q=Sum("quantity"))["q"]
    assert recorded == entry.filled_quantity


def test_a_new_symbols_orders_are_watched_from_their_first_tick_between_two_full_reads(engine):
    """What rests where is read in full once a minute; a grid opened in between is watched from
    the next tick on (through the orders changed since), so its crossed leg is recorded."""
    engine.config()
    engine.config(symbol="ETH/USDT")
    engine.signal(price="100")
    tasks.monitor_fills.delay()  # the full read: BTC only
    read = cache.get(services_monitor.WATCHED_KEY)
    assert {row[3] for row in read["rows"]} == {"BTC/USDT"}
    engine.signal(price="100", symbol="ETH/USDT")
    tasks.monitor_fills.delay()  # ETH's range starts at 100
    engine.price("ETH/USDT", "98.9")
    tasks.monitor_fills.delay()
    eth = DCAOrder.objects.filter(user=engine.user, symbol="ETH/USDT", role="leg").order_by("level")
    assert [leg.status for leg in eth] == ["filled", "filled", "open"]
    assert cache.get(services_monitor.WATCHED_KEY) == read  # no second full read within the minute
