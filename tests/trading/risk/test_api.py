"""The risk engine through the API and the Django admin: the risk panel, run now, skip once,
block and unblock (audited; another user's group a 404, a closed one a 409), the history of
actions with its filters, and the admin's read-only pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from auditlog.models import AuditLog
from tests.trading.factories import PositionGroupFactory
from tests.trading.risk.test_engine import THREE_LEGS, fresh, move, open_position, risk_settings
from trading.positions.models import GroupStatus
from trading.risk.models import RiskAction
from trading.runtime.services import service_status_for
from trading.settings.services import trading_config_update

RISK = "/api/v1/risk"
D = Decimal


def _risk_action(user, **fields) -> RiskAction:
    values = {
        "symbol": "BTC/USDT",
        "timeframe": "1h",
        "loser_quantity": D("10"),
        "loser_price": D("97"),
        "loser_avg_entry": D("100"),
        "loser_loss": D("-31"),
        "loser_loss_percent": D("-3.1"),
        "required": D("31"),
        **fields,
    }
    return RiskAction.objects.create(user=user, **values)


# --- the panel and run now, on the simulator --------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_panel_shows_each_groups_standing_the_winners_and_the_projected_plan(engine, api, trader):
    risk_settings(trader)
    loser = open_position(engine, "BTC/USDT")
    winner = open_position(engine, "ETH/USDT")
    filling = open_position(
        engine, "SOL/USDT", levels=THREE_LEGS, tp_mode="aggregate", tp_aggregate_percent="20"
    )
    blocked = open_position(engine, "LTC/USDT")
    api.post(f"{RISK}/groups/{blocked.pk}/block")
    move(engine, {"BTC/USDT": "97", "ETH/USDT": "110", "LTC/USDT": "90"})

    body = api.get(RISK).json()
    assert (body["enabled"], body["service_running"]) == (True, True)
    assert body["settings"] == {
        "required_pyramids_for_timer": 1,
        "post_full_wait_minutes": 0,
        "loss_threshold_percent": "-1.5",
        "max_winners_to_combine": 3,
    }
    groups = {row["symbol"]: row for row in body["groups"]}
    assert {symbol: row["state"] for symbol, row in groups.items()} == {
        "BTC/USDT": "expired",
        "ETH/USDT": "recovered",
        "SOL/USDT": "not_eligible",
        "LTC/USDT": "blocked",
    }
    assert groups["BTC/USDT"] | {"timer_expires_at": None, "timer_remaining_seconds": None} == {
        "id": str(loser.pk),
        "symbol": "BTC/USDT",
        "timeframe": "1h",
        "status": "active",
        "pyramid_count": 1,
        "required_pyramids": 1,
        "all_legs_filled": True,
        "eligible": True,
        "price": "97",
        "loss": "-31",
        "loss_percent": "-3.1",
        "timer_expires_at": None,
        "timer_remaining_seconds": None,
        "state": "expired",
        "blocked": False,
        "skip_once": False,
        "close_in_flight": False,
    }
    assert groups["BTC/USDT"]["timer_remaining_seconds"] == 0
    assert (groups["SOL/USDT"]["all_legs_filled"], groups["SOL/USDT"]["eligible"]) == (False, False)
    assert body["winners"] == [
        {"id": str(winner.pk), "symbol": "ETH/USDT", "timeframe": "1h", "profit": "99"}
    ]
    plan = body["projected_plan"]
    assert plan["loser"]["id"] == str(loser.pk)
    assert (plan["required"], plan["covered"], plan["fully_covered"]) == ("31", "31", True)
    assert [(w["symbol"], w["quantity"], w["price"]) for w in plan["winners"]] == [("ETH/USDT", "3.1", "110")]
    assert body["recent_actions"] == []
    # Looking changes nothing.
    assert (fresh(loser).status, fresh(winner).filled_quantity, fresh(filling).status) == (
        "active",
        10,
        "partially_filled",
    )


@pytest.mark.django_db(transaction=True)
def test_a_running_timer_shows_its_remaining_time(engine, api, trader):
    risk_settings(trader, post_full_wait_minutes=15)
    open_position(engine, "BTC/USDT")
    move(engine, {"BTC/USDT": "97"})
    api.post(f"{RISK}/run")
    (row,) = api.get(RISK).json()["groups"]
    assert row["state"] == "timer"
    assert 14 * 60 < row["timer_remaining_seconds"] <= 15 * 60


@pytest.mark.django_db(transaction=True)
def test_run_now_closes_the_loser_and_answers_the_action(engine, api, trader):
    risk_settings(trader)
    loser = open_position(engine, "BTC/USDT")
    winner = open_position(engine, "ETH/USDT")
    move(engine, {"BTC/USDT": "97", "ETH/USDT": "110"})
    response = api.post(f"{RISK}/run")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["reason"] is None
    action = body["action"]
    assert (action["loser"], action["trigger"], action["status"]) == (str(loser.pk), "manual", "executed")
    assert (action["required"], action["covered"], action["fully_covered"]) == ("31", "31", True)
    assert [(w["group"], w["quantity"]) for w in action["winners"]] == [(str(winner.pk), "3.1")]
    assert fresh(loser).status == "closed"
    audit = AuditLog.objects.get(action="risk.run")
    assert (audit.owner, audit.resource_id, audit.changes["action"]) == (trader, action["id"], action["id"])
    assert api.get(RISK).json()["recent_actions"][0]["id"] == action["id"]


@pytest.mark.django_db(transaction=True)
def test_run_now_with_nothing_to_do_says_why(engine, api, trader):
    risk_settings(trader)
    open_position(engine, "BTC/USDT")
    body = api.post(f"{RISK}/run").json()
    assert body["action"] is None
    assert "-1.5 %" in body["reason"]
    assert AuditLog.objects.get(action="risk.run").changes["reason"] == body["reason"]


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_run_now_is_a_409_when_the_risk_engine_is_disabled(api, trader):
    trading_config_update(user=trader, fields={"risk_engine_enabled": False}, partial=True)
    response = api.post(f"{RISK}/run")
    assert response.status_code == 409
    assert response.json()["code"] == "risk_disabled"


@pytest.mark.django_db
def test_run_now_is_a_409_when_the_service_is_stopped(api, trader):
    status = service_status_for(trader.pk)
    status.running = False
    status.save()
    response = api.post(f"{RISK}/run")
    assert (response.status_code, response.json()["code"]) == (409, "service_stopped")
    assert api.get(RISK).json()["service_running"] is False


@pytest.mark.django_db
def test_another_users_group_is_a_404(api, other_trader):
    theirs = PositionGroupFactory(user=other_trader)
    assert api.post(f"{RISK}/groups/{theirs.pk}/skip-once").status_code == 404
    assert api.post(f"{RISK}/groups/{theirs.pk}/block").status_code == 404
    assert api.delete(f"{RISK}/groups/{theirs.pk}/block").status_code == 404
    theirs.refresh_from_db()
    assert (theirs.risk_blocked, theirs.risk_skip_once) == (False, False)
    assert not AuditLog.objects.filter(action__startswith="risk.").exists()


@pytest.mark.django_db
def test_a_closed_group_is_a_409(api, trader):
    closed = PositionGroupFactory(user=trader, closed=True)
    for response in (
        api.post(f"{RISK}/groups/{closed.pk}/skip-once"),
        api.post(f"{RISK}/groups/{closed.pk}/block"),
    ):
        assert (response.status_code, response.json()["code"]) == (409, "not_open")


@pytest.mark.django_db
def test_viewers_see_the_panel_but_may_not_act(client_for, viewer):
    group = PositionGroupFactory(user=viewer)
    client = client_for(viewer)
    assert client.get(RISK).status_code == 200
    assert client.post(f"{RISK}/run").status_code == 403
    assert client.post(f"{RISK}/groups/{group.pk}/block").status_code == 403


# --- skip once, block, unblock ------------------------------------------------------------------


@pytest.mark.django_db
def test_skip_once_and_block_are_audited_and_shown(api, trader):
    group = PositionGroupFactory(user=trader, status=GroupStatus.ACTIVE)
    response = api.post(f"{RISK}/groups/{group.pk}/skip-once")
    assert response.status_code == 200
    assert response.json() == {
        "id": str(group.pk),
        "symbol": group.symbol,
        "timeframe": group.timeframe,
        "status": "active",
        "blocked": False,
        "skip_once": True,
    }
    assert api.post(f"{RISK}/groups/{group.pk}/block").json()["blocked"] is True
    (row,) = api.get(RISK).json()["groups"]
    assert (row["state"], row["blocked"], row["skip_once"]) == ("blocked", True, True)
    assert api.delete(f"{RISK}/groups/{group.pk}/block").json()["blocked"] is False
    actions = list(
        AuditLog.objects.filter(resource_id=str(group.pk))
        .order_by("created_at")
        .values_list("action", "changes")
    )
    assert [action for action, _ in actions] == ["risk.skip_once", "risk.block", "risk.unblock"]
    assert actions[1][1]["risk_blocked"] == [False, True]


@pytest.mark.django_db
def test_blocking_twice_is_one_change(api, trader):
    group = PositionGroupFactory(user=trader)
    assert api.post(f"{RISK}/groups/{group.pk}/block").status_code == 200
    assert api.post(f"{RISK}/groups/{group.pk}/block").status_code == 200
    assert AuditLog.objects.filter(action="risk.block").count() == 1


# --- history ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_history_is_mine_newest_first_paginated_and_filtered(api, trader, other_trader):
    now = timezone.now()
    old = _risk_action(trader, created_at=now - timedelta(days=3))
    eth = _risk_action(trader, symbol="ETH/USDT", created_at=now - timedelta(hours=1), trigger="manual")
    _risk_action(other_trader)
    body = api.get(f"{RISK}/actions").json()
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [str(eth.pk), str(old.pk)]
    assert body["results"][1]["loser_loss"] == "-31"
    by_symbol = api.get(f"{RISK}/actions", {"symbol": "ETHUSDT"}).json()["results"]
    assert [row["id"] for row in by_symbol] == [str(eth.pk)]
    since = (now - timedelta(days=1)).isoformat()
    assert [row["id"] for row in api.get(f"{RISK}/actions", {"created_after": since}).json()["results"]] == [
        str(eth.pk)
    ]
    before = api.get(f"{RISK}/actions", {"created_before": since}).json()["results"]
    assert [row["id"] for row in before] == [str(old.pk)]
    assert api.get(f"{RISK}/actions", {"page_size": 1}).json()["next"]
    assert api.get(f"{RISK}/actions", {"created_after": "yesterday"}).status_code == 400


@pytest.mark.django_db
def test_the_schema_describes_the_risk_endpoints(anon):
    paths = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    for path in (
        "/api/v1/risk",
        "/api/v1/risk/run",
        "/api/v1/risk/actions",
        "/api/v1/risk/groups/{id}/skip-once",
        "/api/v1/risk/groups/{id}/block",
    ):
        assert path in paths
    assert set(paths["/api/v1/risk/groups/{id}/block"]) >= {"post", "delete"}


# --- the Django admin ---------------------------------------------------------------------------


@pytest.fixture
def admin_browser(admin_user, password) -> Client:
    browser = Client()
    assert browser.login(username=admin_user.email, password=password)
    return browser


@pytest.mark.django_db
def test_the_admin_lists_risk_actions_and_shows_the_winners_read_only(admin_browser, trader, other_trader):
    winners = [
        {
            "group": "5d726ec6-1213-4bcb-9d34-8a53f2949dab",
            "symbol": "ETH/USDT",
            "timeframe": "1h",
            "quantity": "3.1",
            "price": "110",
            "avg_entry": "100",
            "expected_realized": "31",
            "order": "5c2a7b9e-fb17-4ed2-876c-aaf32a84f118",
        }
    ]
    action = _risk_action(trader, winners=winners, covered=D("31"), fully_covered=True)
    _risk_action(other_trader, symbol="DOGE/USDT", status="failed")
    page = admin_browser.get("/admin/trading/riskaction/").content.decode()
    assert "BTC/USDT" in page and "DOGE/USDT" in page
    page = admin_browser.get("/admin/trading/riskaction/", {"status__exact": "failed"}).content.decode()
    assert "DOGE/USDT" in page and "BTC/USDT" not in page
    page = admin_browser.get("/admin/trading/riskaction/", {"q": trader.email}).content.decode()
    assert "BTC/USDT" in page and "DOGE/USDT" not in page
    assert admin_browser.get("/admin/trading/riskaction/", {"q": "not-a-uuid"}).status_code == 200
    detail = admin_browser.get(f"/admin/trading/riskaction/{action.pk}/change/").content.decode()
    assert "ETH/USDT" in detail and "3.1" in detail and "5c2a7b9e-fb17-4ed2-876c-aaf32a84f118" in detail
    assert 'name="_save"' not in detail
    assert admin_browser.get("/admin/trading/riskaction/add/").status_code == 403
    assert (
        admin_browser.post(f"/admin/trading/riskaction/{action.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert RiskAction.objects.filter(pk=action.pk).exists()
