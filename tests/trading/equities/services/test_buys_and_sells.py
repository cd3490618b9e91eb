"""The strategy's orders on the Kotak simulator: buys refused for funds kept for the 09:00 retry,
the portfolio limit, a pending buy replaced, the EMA9 sell lowered as EMA9 falls, no sell under
95 % of the entry, the RSI exit, and the engine's TradingView machinery leaving these groups alone."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from brokers.adapters.cache import cached_adapter_for
from trading.equities.models import Recommendation, StrategyPosition
from trading.equities.services.config import strategy_update
from trading.equities.services.runner import strategy_task_run
from trading.positions.models import NSE_EMA9, DCAOrder, OrderRole, PositionGroup
from trading.positions.selectors import pool_groups
from trading.takeprofit.services.marks import take_profit_dispatch

from ..conftest import RULES, UNIVERSE, Nse, ist

pytestmark = pytest.mark.django_db(transaction=True)
PICKS = ["BHARTIARTL", "KOTAKBANK"]  # Monday's picks under RULES (test_trading_week checks them)


def _monday(nse: Nse, rules: dict[str, str]) -> None:
    strategy_update(
        user=nse.user,
        data={"enabled": True, "account": str(nse.account.pk), "universe": UNIVERSE, "params": rules},
    )
    assert nse.run("analysis", ist(2026, 11, 23, 16, 0)) == "success"
    assert nse.run("amo_buys", ist(2026, 11, 23, 16, 5)) == "success"


def _recs(nse: Nse) -> dict[str, Recommendation]:
    return {r.symbol: r for r in Recommendation.objects.filter(user=nse.user)}


def test_a_buy_the_cash_cannot_pay_is_kept_failed_and_retried_at_9(nse: Nse) -> None:
    _monday(nse, {**RULES, "user_capital": "400000"})  # each buy costs ~400,000 of the 500,000
    recs = _recs(nse)
    assert recs["BHARTIARTL"].status == "ordered"
    failed = recs["KOTAKBANK"]
    assert failed.status == "failed" and failed.order is None
    assert failed.reason.startswith("insufficient funds: ") and "INR needed" in failed.reason
    assert not DCAOrder.objects.filter(symbol="KOTAKBANK").exists()  # nothing sent to the broker

    # Wednesday 09:00 (Tuesday is a holiday): still short of cash, tried again, still failed.
    assert nse.run("premarket_retry", ist(2026, 11, 25, 9, 0)) == "success"
    assert _recs(nse)["KOTAKBANK"].status == "failed" and _recs(nse)["KOTAKBANK"].attempts == 2
    # The trader lowers their capital per stock; the retry, run by hand, buys the smaller size.
    strategy_update(user=nse.user, data={"params": {"user_capital": "90000"}})
    nse.at(ist(2026, 11, 25, 9, 1))
    assert strategy_task_run(user_id=str(nse.user.pk), task="premarket_retry", manual=True) == "success"
    retried = _recs(nse)["KOTAKBANK"]
    assert retried.status == "ordered" and retried.order.side == "buy"
    assert retried.quantity == retried.order.quantity == int(Decimal(90000) / retried.close)


def test_a_buy_failing_every_retry_expires(nse: Nse) -> None:
    _monday(nse, {**RULES, "user_capital": "400000"})
    for minute in range(4):
        nse.at(ist(2026, 11, 25, 9, minute))
        strategy_task_run(user_id=str(nse.user.pk), task="premarket_retry", manual=True)
    expired = _recs(nse)["KOTAKBANK"]
    assert expired.status == "expired" and expired.reason == "gave up after 4 attempts"


def test_the_portfolio_limit_skips_the_rest_with_the_reason(nse: Nse) -> None:
    _monday(nse, {**RULES, "max_portfolio_size": 1})
    recs = _recs(nse)
    assert recs["BHARTIARTL"].status == "ordered"
    assert recs["KOTAKBANK"].status == "skipped"
    assert recs["KOTAKBANK"].reason == "the portfolio is full (1 of 1 holdings)"


def test_a_pending_buy_is_cancelled_and_replaced_by_the_new_plan(nse: Nse) -> None:
    _monday(nse, RULES)
    old = _recs(nse)["BHARTIARTL"]
    # Friday's plan left this buy pending; Monday's analysis recommends the stock again.
    Recommendation.objects.filter(pk=old.pk).update(day="2026-11-20")
    fresh = Recommendation.objects.create(
        user=nse.user,
        run=old.run,
        analysis=old.analysis,
        day="2026-11-23",
        symbol=old.symbol,
        rank=1,
        verdict=old.verdict,
        combined=old.combined,
        close=old.close,
        quantity=old.quantity + 1,
        capital=old.capital,
    )
    assert nse.run("amo_buys", ist(2026, 11, 23, 16, 10)) == "success"
    fresh.refresh_from_db()
    assert fresh.status == "ordered" and fresh.group_id == old.group_id
    cancelled = DCAOrder.objects.get(pk=old.order_id)
    assert cancelled.status == "cancelled"
    assert fresh.order.quantity == old.quantity + 1 and fresh.order.amo and fresh.order.status == "open"
    book = {o.client_order_id: o for o in cached_adapter_for(nse.account).fetch_orders()}
    assert book[cancelled.client_order_id].status == "canceled"
    assert book[fresh.order.client_order_id].status == "open"


def _wednesday_sells(nse: Nse) -> dict[str, DCAOrder]:
    assert nse.run("open_sells", ist(2026, 11, 25, 9, 15)) == "success"
    return {o.symbol: o for o in DCAOrder.objects.filter(role=OrderRole.CLOSE, status="open")}


def test_the_sell_is_lowered_as_ema9_falls(nse: Nse) -> None:
    _monday(nse, RULES)
    sells = _wednesday_sells(nse)
    sell, placed_at = sells["KOTAKBANK"], nse.price("KOTAKBANK")  # the LTP the sell was priced on
    nse.at(ist(2026, 11, 25, 9, 20))
    nse.control("PUT", "prices/KOTAKBANK", {"price": str(placed_at - 40)})
    assert strategy_task_run(user_id=str(nse.user.pk), task="sell_monitor") == "success"
    lowered = DCAOrder.objects.get(pk=sell.pk)
    assert lowered.status == "open" and lowered.price < sell.price
    assert lowered.price == sell.price - Decimal(8)  # 0.2 x the 40 fall, already a whole tick
    at_broker = cached_adapter_for(nse.account).fetch_order(
        symbol="KOTAKBANK", order_id=lowered.exchange_order_id
    )
    assert at_broker.price == lowered.price
    assert StrategyPosition.objects.get(group=lowered.group).exit_price == lowered.price


def test_no_sell_while_ema9_is_under_the_entry_share(nse: Nse) -> None:
    _monday(nse, {**RULES, "skip_exit_below_entry_ratio": "1.5"})
    assert _wednesday_sells(nse) == {}
    notes = {p.symbol: p.exit_note for p in StrategyPosition.objects.all()}
    assert set(notes) == set(PICKS)
    assert all(
        "is under 150 % of the entry" in note and note.endswith("no sell yet") for note in notes.values()
    )


def test_the_rsi_exit_sells_at_market(nse: Nse) -> None:
    _monday(nse, {**RULES, "exit_on_rsi_above": "1"})
    assert nse.run("open_sells", ist(2026, 11, 25, 9, 15)) == "success"
    groups = PositionGroup.objects.filter(strategy=NSE_EMA9)
    assert {g.close_reason for g in groups} == {"rsi_exit"}
    assert {g.status for g in groups} == {"closed"}
    closes = DCAOrder.objects.filter(role=OrderRole.CLOSE)
    assert {(o.order_type, o.status) for o in closes} == {("market", "filled")}


def test_the_tradingview_engine_leaves_strategy_groups_alone(nse: Nse) -> None:
    _monday(nse, RULES)
    _wednesday_sells(nse)
    assert pool_groups(nse.user).count() == 0  # the execution pool has all its slots
    assert PositionGroup.objects.filter(strategy=NSE_EMA9).count() == 2
    assert take_profit_dispatch() == 0  # no take-profit tick over them


def test_a_resting_sell_grows_when_a_re_entry_adds_sellable_shares(nse: Nse) -> None:
    from trading.equities.models import EquitiesStrategy
    from trading.equities.services.buys import _Buyer

    _monday(nse, RULES)
    sell = _wednesday_sells(nse)["KOTAKBANK"]
    group = sell.group
    # A re-entry bought at market during the session (the averaging-down buy), filled at once.
    nse.at(ist(2026, 11, 25, 10, 0))
    strategy = EquitiesStrategy.objects.select_related("account").get(user=nse.user)
    with transaction.atomic():
        _Buyer(strategy, timezone.now()).order(
            group, 5, nse.price("KOTAKBANK"), Decimal(0), level=1, what="re-entry at RSI 19 < 20"
        )
    assert strategy_task_run(user_id=str(nse.user.pk), task="sell_monitor") == "success"
    group.refresh_from_db()
    assert group.filled_quantity == sell.quantity + 5
    assert DCAOrder.objects.get(pk=sell.pk).status == "cancelled"
    grown = DCAOrder.objects.get(group=group, role=OrderRole.CLOSE, status="open")
    assert grown.quantity == group.filled_quantity and grown.price <= sell.price
