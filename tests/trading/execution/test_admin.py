"""Django admin for trading: every page opens with rows present, engine-owned rows are view-only,
secrets never show, and the close/cancel actions go through the services and report per row."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from auditlog.models import AuditLog
from tests.trading.factories import (
    DCAOrderFactory,
    FillFactory,
    PositionGroupFactory,
    PyramidFactory,
    SignalFactory,
    UnknownExchangeOrderFactory,
)
from trading.positions.models import GroupStatus, OrderStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(admin_user, password) -> Client:
    browser = Client()
    assert browser.login(username=admin_user.email, password=password)
    return browser


@pytest.fixture
def rows(trader):
    group = PositionGroupFactory(user=trader, status=GroupStatus.PARTIALLY_FILLED)
    pyramid = PyramidFactory(group=group, index=0)
    fill = FillFactory(order__pyramid=pyramid, order__level=0)
    resting = DCAOrderFactory(pyramid=pyramid, level=1)
    DCAOrderFactory(pyramid=pyramid, role="take_profit", leg=fill.order, side="sell")
    signal = SignalFactory(user=trader, position_group=group, raw_body='{"secret": "****", "tv": {}}')
    unknown = UnknownExchangeOrderFactory(user=trader, account=group.account)
    return {
        "positiongroup": group,
        "dcaorder": resting,
        "fill": fill,
        "signal": signal,
        "unknownexchangeorder": unknown,
    }


MODELS = ["signal", "positiongroup", "dcaorder", "fill", "unknownexchangeorder", "dcaconfig"]


@pytest.mark.parametrize("model", MODELS)
def test_every_trading_changelist_opens_for_admins(admin_browser, rows, model):
    response = admin_browser.get(f"/admin/trading/{model}/")
    assert response.status_code == 200


@pytest.mark.parametrize("model", ["signal", "positiongroup", "dcaorder", "fill", "unknownexchangeorder"])
def test_every_engine_owned_change_page_opens_read_only(admin_browser, rows, model):
    obj = rows[model]
    response = admin_browser.get(f"/admin/trading/{model}/{obj.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="_save"' not in page  # a view page: nothing to submit


@pytest.mark.parametrize("model", ["positiongroup", "dcaorder", "fill", "signal"])
def test_engine_owned_rows_cannot_be_edited_added_or_deleted(admin_browser, rows, model):
    obj = rows[model]
    base = f"/admin/trading/{model}"
    assert admin_browser.post(f"{base}/{obj.pk}/change/", {"status": "closed"}).status_code == 403
    assert admin_browser.get(f"{base}/add/").status_code == 403
    assert admin_browser.post(f"{base}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()
    assert getattr(type(obj).objects.get(pk=obj.pk), "status", None) == getattr(obj, "status", None)


def test_the_group_page_shows_its_pyramids_and_orders(admin_browser, rows):
    group = rows["positiongroup"]
    page = admin_browser.get(f"/admin/trading/positiongroup/{group.pk}/change/").content.decode()
    assert rows["dcaorder"].client_order_id in page
    assert rows["fill"].order.client_order_id in page
    assert "Pyramids" in page


def test_signal_pages_never_show_the_webhook_secret(admin_browser, trader):
    secret = trader.set_webhook_secret()
    trader.save()
    signal = SignalFactory(user=trader, raw_body='{"secret": "****", "tv": {"symbol": "BTCUSDT"}}')
    for path in ("/admin/trading/signal/", f"/admin/trading/signal/{signal.pk}/change/"):
        page = admin_browser.get(path).content.decode()
        assert secret not in page
    assert "****" in page  # the stored body, masked as ingest stored it


def test_signals_filter_by_status_and_search_by_user_email(admin_browser, trader, other_trader):
    SignalFactory(user=trader, symbol="BTC/USDT", status="rejected")
    SignalFactory(user=other_trader, symbol="DOGE/USDT", status="processed")
    page = admin_browser.get("/admin/trading/signal/", {"status__exact": "rejected"}).content.decode()
    assert "BTC/USDT" in page and "DOGE/USDT" not in page
    page = admin_browser.get("/admin/trading/signal/", {"q": other_trader.email}).content.decode()
    assert "DOGE/USDT" in page and "BTC/USDT" not in page


def test_a_search_that_is_not_an_id_does_not_break_the_changelist(admin_browser, rows):
    for model in ("signal", "positiongroup", "dcaorder"):
        assert admin_browser.get(f"/admin/trading/{model}/", {"q": "not-a-uuid"}).status_code == 200
        assert admin_browser.get(f"/admin/trading/{model}/", {"q": str(rows[model].pk)}).status_code == 200


def test_the_changelists_offer_the_close_and_cancel_actions(admin_browser, rows):
    groups = admin_browser.get("/admin/trading/positiongroup/").content.decode()
    assert 'value="close_selected"' in groups
    assert "Close selected position groups" in groups
    orders = admin_browser.get("/admin/trading/dcaorder/").content.decode()
    assert 'value="cancel_selected"' in orders
    assert "Cancel selected orders" in orders


def _action(browser: Client, model: str, action: str, *objs) -> list[str]:
    response = browser.post(
        f"/admin/trading/{model}/", {"action": action, "_selected_action": [str(o.pk) for o in objs]}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_closing_groups_from_admin_reports_each_and_refuses_closed_ones(admin_browser, trader, admin_user):
    open_group = PositionGroupFactory(user=trader, status=GroupStatus.LIVE, symbol="ETH/USDT")
    DCAOrderFactory(pyramid=PyramidFactory(group=open_group, index=0), status=OrderStatus.PENDING)
    closed = PositionGroupFactory(user=trader, closed=True, symbol="SOL/USDT")

    notes = _action(admin_browser, "positiongroup", "close_selected", open_group, closed)

    assert len(notes) == 2
    assert any("ETH/USDT" in note and "closing" in note for note in notes)
    assert any("SOL/USDT" in note and "closing" not in note for note in notes)
    open_group.refresh_from_db()
    assert open_group.status in (GroupStatus.CLOSING, GroupStatus.CLOSED)
    assert AuditLog.objects.filter(action="position.close", actor=admin_user).count() == 1


def test_cancelling_orders_from_admin_reports_each_and_refuses_finished_ones(
    admin_browser, trader, admin_user
):
    resting = DCAOrderFactory(user=trader, pyramid__group__user=trader, status=OrderStatus.OPEN)
    done = DCAOrderFactory(pyramid=resting.pyramid, status=OrderStatus.FILLED, level=1)

    notes = _action(admin_browser, "dcaorder", "cancel_selected", resting, done)

    assert len(notes) == 2
    assert any("cancel requested" in note for note in notes)
    assert any("already" in note for note in notes)
    resting.refresh_from_db()
    assert resting.cancel_requested or resting.status == OrderStatus.CANCELLED
    assert AuditLog.objects.filter(action="order.cancel", actor=admin_user).count() == 1
