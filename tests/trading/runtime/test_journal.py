"""trade_log, the journal's one entry point: a line reaches its user's service log with the
category and context it was given, after the transaction commits (never for a rollback), at the
time of the step, and never raises."""

from __future__ import annotations

import logging
import time
import uuid
from decimal import Decimal

import pytest
from django.db import transaction

from auditlog.models_logs import ServiceLog
from trading.runtime.journal import JOURNAL_LOGGER, RISK, amount, signed, trade_log

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_line_reaches_its_users_log_with_its_category_level_and_context(trader):
    order_id = uuid.uuid4()
    trade_log(trader.pk, "Leg 2 filled.", order_id=order_id, price=Decimal("99.500000"), leg=2)
    trade_log(trader, "Offset failed.", level=logging.WARNING, category=RISK)

    first, second = ServiceLog.objects.order_by("timestamp", "id")
    assert (first.user_id, first.level, first.category, first.module, first.message) == (
        trader.pk,
        "INFO",
        "TRADING",
        JOURNAL_LOGGER,
        "Leg 2 filled.",
    )
    assert first.context == {"order_id": str(order_id), "price": "99.5", "leg": 2}
    assert (second.user_id, second.level, second.category) == (trader.pk, "WARNING", "RISK")


def test_a_line_inside_a_transaction_is_written_on_commit_with_the_time_of_the_step(trader):
    with transaction.atomic():
        before = time.time()
        trade_log(trader.pk, "Closing.")
        assert not ServiceLog.objects.exists()
        time.sleep(0.05)
    row = ServiceLog.objects.get()
    assert before <= row.timestamp.timestamp() < before + 0.05


def test_a_step_rolled_back_is_never_told(trader):
    def open_and_fail() -> None:
        with transaction.atomic():
            trade_log(trader.pk, "Opened a position.")
            raise RuntimeError("the open failed")

    with pytest.raises(RuntimeError):
        open_and_fail()
    assert not ServiceLog.objects.exists()


def test_context_named_like_a_records_own_fields_is_kept_under_another_name(trader):
    trade_log(trader.pk, "Placed.", module="orders", name="x", msg="y", created="z", service_log=False)
    row = ServiceLog.objects.get()
    assert (row.module, row.message) == (JOURNAL_LOGGER, "Placed.")
    assert row.context == {
        "module_": "orders",
        "name_": "x",
        "msg_": "y",
        "created_": "z",
        "service_log_": False,
    }


def test_a_line_without_a_user_or_with_a_bad_message_never_raises(trader):
    trade_log(None, "nobody's")
    trade_log(trader.pk, "a %s without args %d")  # a finished sentence: no %-formatting
    assert list(ServiceLog.objects.values_list("message", flat=True)) == ["a %s without args %d"]


def test_secrets_in_a_line_or_its_context_are_redacted(trader):
    trade_log(trader.pk, "connect with api_secret=s3cr3t-value", api_key="k-123", note="token=tok-1")
    row = ServiceLog.objects.get()
    assert "s3cr3t-value" not in row.message
    assert row.context["api_key"] == "[redacted]"
    assert "tok-1" not in row.context["note"]


@pytest.mark.parametrize(
    ("value", "text", "with_sign"),
    [
        (Decimal("95.500000000000000000"), "95.5", "+95.5"),
        (Decimal("-1.50"), "-1.5", "-1.5"),
        (Decimal("0E-18"), "0", "0"),
        (Decimal("99.56896576248524245053553902"), "99.56896576", "+99.56896576"),
        (Decimal("1E+3"), "1000", "+1000"),
        (None, "?", "?"),
    ],
)
def test_numbers_read_as_a_trader_writes_them(value, text, with_sign):
    assert (amount(value), signed(value)) == (text, with_sign)
