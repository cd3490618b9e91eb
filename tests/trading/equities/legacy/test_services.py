"""The import's use cases on the sample files: the dry run writes only its batch, the apply writes
what the engine would have (numbers from its own accounting), a second import skips what is
there, and a rollback leaves every table as it was."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from auditlog.models import AuditLog
from brokers.paper_equities.models import PaperEquityHolding, PaperEquityOrder, PaperEquityTrade
from trading.equities.legacy.services import (
    LegacyImportConflict,
    legacy_import_apply,
    legacy_import_create,
    legacy_import_rollback,
)
from trading.equities.models import EquitiesStrategy, LegacyImportStatus, Recommendation, StrategyPosition
from trading.positions.models import DCAOrder, Fill, GroupStatus, OrderRole, OrderStatus, PositionGroup

pytestmark = pytest.mark.django_db


def dry_run(trader, files, account):
    return legacy_import_create(user=trader, files=files, account=account.pk, actor=trader)


def test_a_dry_run_writes_nothing_but_its_batch(trader, paper_account, sample_files, table_counts):
    before = table_counts()

    batch = dry_run(trader, sample_files, paper_account)

    assert table_counts() == before
    assert batch.status == LegacyImportStatus.DRY_RUN
    assert batch.counts["trade"] == {"read": 4, "to_create": 4, "duplicates": 0, "problems": 0}
    assert batch.report["mapping"][0]["from"] == "trades_history.json trade"
    assert batch.report["blocking"] is False
    assert batch.created_rows == []


def test_apply_then_rollback_leaves_identical_counts(trader, paper_account, sample_files, table_counts):
    before = table_counts()
    batch = dry_run(trader, sample_files, paper_account)

    batch = legacy_import_apply(batch=batch, actor=trader)
    applied = table_counts()
    created = {label: applied[label] - before[label] for label in before if applied[label] != before[label]}
    assert created == {
        "trading.positiongroup": 4,
        "trading.pyramid": 4,
        "trading.dcaorder": 9,  # 4 first buys + 2 re-entries + 3 sells
        "trading.fill": 9,
        "trading.strategyposition": 4,
        "trading.recommendation": 4,  # WIPRO, ONGC, NTPC on the 27th merged with their orders; TATASTEEL
        "brokers.paperequityorder": 4,
        "brokers.paperequitytrade": 3,
        "brokers.paperequityholding": 1,
    }
    assert len(batch.created_rows) == sum(created.values())

    batch = legacy_import_rollback(batch=batch, actor=trader)

    assert table_counts() == before
    assert batch.status == LegacyImportStatus.ROLLED_BACK
    assert list(
        AuditLog.objects.filter(owner=trader).values_list("action", flat=True).order_by("created_at")
    ) == [
        "legacy_import.apply",
        "legacy_import.rollback",
    ]


def test_imported_trades_carry_the_engines_numbers(trader, paper_account, sample_files):
    legacy_import_apply(batch=dry_run(trader, sample_files, paper_account), actor=trader)

    sbin = PositionGroup.objects.get(user=trader, symbol="SBIN")
    assert (sbin.status, sbin.strategy, sbin.close_reason, sbin.timeframe) == (
        GroupStatus.CLOSED,
        "nse_ema9",
        "ema9_target",
        "1d",
    )
    assert sbin.bought_quantity == 238 and sbin.filled_quantity == 0
    assert sbin.realized_pnl == Decimal("2667.40")  # the file's pnl, from the orders
    legs = DCAOrder.objects.filter(group=sbin, role=OrderRole.LEG).order_by("level")
    assert [(o.level, o.quantity, o.amo, o.status) for o in legs] == [
        (0, 118, True, OrderStatus.FILLED),
        (1, 60, True, OrderStatus.FILLED),
        (2, 60, True, OrderStatus.FILLED),
    ]
    sell = DCAOrder.objects.get(group=sbin, role=OrderRole.CLOSE)
    assert (sell.side, sell.quantity, sell.reason, sell.exchange_order_id) == (
        "sell",
        238,
        "ema9_target",
        "251120000502231",
    )
    assert all(len(o.client_order_id) <= 36 and o.client_order_id.startswith("lg") for o in [*legs, sell])
    assert Fill.objects.filter(order__group=sbin).count() == 4
    assert StrategyPosition.objects.get(group=sbin).levels_taken == [20, 10]

    itc = PositionGroup.objects.get(user=trader, symbol="ITC")
    assert (itc.status, itc.filled_quantity, itc.avg_entry) == (GroupStatus.ACTIVE, 248, Decimal("402.35"))
    assert not DCAOrder.objects.filter(
        user=trader, status__in=[OrderStatus.PENDING, OrderStatus.OPEN]
    ).exists()


def test_pending_and_failed_orders_become_recommendations_never_orders(trader, paper_account, sample_files):
    legacy_import_apply(batch=dry_run(trader, sample_files, paper_account), actor=trader)

    rows = {r.symbol: r for r in Recommendation.objects.filter(user=trader)}
    assert {s: rows[s].status for s in rows} == {
        "WIPRO": "expired",  # pending for over 24 hours
        "ONGC": "failed",
        "NTPC": "expired",  # its day is past
        "TATASTEEL": "failed",
    }
    assert "251127000123456" in rows["WIPRO"].reason
    assert rows["NTPC"].verdict == "strong_buy" and rows["ONGC"].verdict == "buy"
    assert not DCAOrder.objects.filter(symbol__in=["WIPRO", "ONGC", "TATASTEEL"]).exists()


def test_the_paper_files_land_in_the_paper_ledger(trader, paper_account, sample_files):
    legacy_import_apply(batch=dry_run(trader, sample_files, paper_account), actor=trader)

    ledger = paper_account.paper_equity_account
    orders = {o.client_order_id: o for o in PaperEquityOrder.objects.filter(account=ledger)}
    assert orders["PT202511030001"].status == "closed" and orders["PT202511030001"].filled == 68
    assert orders["PT202511030001"].charges == Decimal("118.45")
    assert orders["PT202511270001"].status == "expired"  # never live: the paper engine would fill it
    assert PaperEquityTrade.objects.filter(order__account=ledger).count() == 3
    holding = PaperEquityHolding.objects.get(account=ledger, symbol="ITC")
    assert (holding.quantity, holding.average_price) == (248, Decimal("402.35"))


def test_a_second_import_skips_the_duplicates(trader, paper_account, sample_files, table_counts):
    legacy_import_apply(batch=dry_run(trader, sample_files, paper_account), actor=trader)
    after_first = table_counts()

    second = dry_run(trader, sample_files, paper_account)
    assert {kind: c["duplicates"] for kind, c in second.counts.items()} == {
        kind: c["read"] for kind, c in second.counts.items()
    }
    second = legacy_import_apply(batch=second, actor=trader)

    assert second.created_rows == []
    assert table_counts() == after_first


def test_an_open_trade_on_a_stock_already_held_is_reported_not_written(trader, paper_account, sample_files):
    PositionGroup.objects.create(
        user=trader,
        account=paper_account,
        exchange="paper_nse",
        symbol="ITC",
        timeframe="1d",
        status="active",
    )

    batch = legacy_import_apply(batch=dry_run(trader, sample_files, paper_account), actor=trader)

    assert batch.counts["trade"]["to_create"] == 3
    problem = next(p for p in batch.problems if p["file"] == "trades_history.json")
    assert (problem["line"], problem["field"], problem["blocking"]) == (72, "status", False)
    assert PositionGroup.objects.filter(user=trader, symbol="ITC").count() == 1


def test_trades_need_an_account(trader, sample_files):
    with pytest.raises(ValidationError) as caught:
        legacy_import_create(user=trader, files=sample_files, actor=trader)

    assert "Choose the account the trades belong to" in caught.value.message_dict["account"][0]


def test_the_strategy_account_is_the_default(trader, paper_account, sample_files):
    EquitiesStrategy.objects.create(user=trader, account=paper_account)

    batch = legacy_import_create(user=trader, files=sample_files, actor=trader)

    assert batch.report["account"]["id"] == str(paper_account.pk)


def test_another_users_account_is_refused(trader, other_trader, sample_files):
    from brokers.models import ExchangeConfig

    theirs = ExchangeConfig.objects.create(user=other_trader, exchange="paper_nse", label="x")

    with pytest.raises(ValidationError) as caught:
        legacy_import_create(user=trader, files=sample_files, account=theirs.pk, actor=trader)

    assert caught.value.message_dict["account"] == ["No such account of yours."]


def test_without_a_paper_account_the_paper_files_are_skipped_with_a_problem(trader, sample_files):
    from brokers.models import ExchangeConfig

    kotak = ExchangeConfig.objects.create(user=trader, exchange="kotak_simulator", label="sim")

    batch = legacy_import_apply(batch=dry_run(trader, sample_files, kotak), actor=trader)

    assert batch.counts["paper_order"]["to_create"] == 0
    assert {p["file"] for p in batch.problems} == {"orders.json", "holdings.json", "transactions.json"}
    assert PositionGroup.objects.filter(user=trader, account=kotak).count() == 4


def test_blocking_problems_refuse_the_apply(trader, paper_account):
    files = {"trades_history.json": b'[{"symbol": "ITC", "qty": 1}]'}
    batch = dry_run(trader, files, paper_account)

    assert batch.report["blocking"] is True
    with pytest.raises(LegacyImportConflict):
        legacy_import_apply(batch=batch, actor=trader)


def test_a_batch_applies_once_and_rolls_back_once(trader, paper_account, sample_files):
    batch = legacy_import_apply(batch=dry_run(trader, sample_files, paper_account), actor=trader)
    with pytest.raises(LegacyImportConflict):
        legacy_import_apply(batch=batch, actor=trader)

    legacy_import_rollback(batch=batch, actor=trader)
    with pytest.raises(LegacyImportConflict):
        legacy_import_rollback(batch=batch, actor=trader)


def test_rollback_refuses_when_the_engine_has_since_added_to_an_imported_position(
    trader, paper_account, sample_files
):
    batch = legacy_import_apply(batch=dry_run(trader, sample_files, paper_account), actor=trader)
    itc = PositionGroup.objects.get(user=trader, symbol="ITC")
    DCAOrder.objects.create(
        user=trader, group=itc, role=OrderRole.CLOSE, symbol="ITC", side="sell", quantity=248,
        price=Decimal("410.00"), client_order_id="engine-sell-1",
    )  # fmt: skip

    with pytest.raises(LegacyImportConflict, match="1 dcaorder"):
        legacy_import_rollback(batch=batch, actor=trader)

    assert PositionGroup.objects.filter(pk=itc.pk).exists()
