"""A role that does not trade does not trade by webhook either: a viewer's alert is refused 403
`role_not_allowed` (audited, nothing stored), a trader made viewer loses the secret their alerts
carry, and the Webhook setup page tells them why it is empty."""

from __future__ import annotations

from accounts.models import Role, User
from auditlog.models import AuditLog
from tests.trading.signals.test_webhook_endpoint import (  # noqa: F401  fixtures
    _markets_from_simulator,
    alert,
    post,
    ready,
)
from trading.signals.models import Signal


def _demote(client_for, admin_user: User, user: User) -> None:
    response = client_for(admin_user).patch(f"/api/v1/users/{user.pk}", {"role": "viewer"}, format="json")
    assert response.status_code == 200, response.json()
    user.refresh_from_db()


def test_a_viewer_with_the_right_secret_is_403_role_not_allowed_and_nothing_is_stored(
    trader,
    post,  # noqa: F811
) -> None:
    ready(trader)
    assert post(trader.pk, alert(trader)).status_code == 202  # the secret is right: it traded
    # A role changed behind the services' back (a shell, a migration): the webhook reads it anyway.
    User.objects.filter(pk=trader.pk).update(role=Role.VIEWER)
    response = post(trader.pk, alert(trader))
    assert response.status_code == 403
    assert response.json()["code"] == "role_not_allowed"
    assert "viewer" in response.json()["detail"]
    assert Signal.objects.filter(user=trader).count() == 1  # only the alert sent as a trader


def test_the_refusal_is_in_the_users_audit_trail_with_the_senders_address(
    trader,
    post,  # noqa: F811
    client_for,
) -> None:
    ready(trader)
    User.objects.filter(pk=trader.pk).update(role=Role.VIEWER)
    assert post(trader.pk, alert(trader)).status_code == 403
    entry = AuditLog.objects.get(action="webhook.refused")
    assert (entry.owner_id, entry.actor_id, entry.ip) == (trader.pk, None, "127.0.0.1")
    assert entry.changes == {"code": "role_not_allowed", "role": "viewer"}
    assert str(trader.webhook_secret) not in str(entry.changes)
    mine = client_for(User.objects.get(pk=trader.pk)).get("/api/v1/audit", {"action": "webhook."}).json()
    assert [e["action"] for e in mine["results"]] == ["webhook.refused"]


def test_a_viewers_refusals_count_against_the_alert_limit(trader, post, settings) -> None:  # noqa: F811
    ready(trader)
    settings.WEBHOOK_RATE_LIMIT, settings.WEBHOOK_RATE_BURST = "1/min", 3
    User.objects.filter(pk=trader.pk).update(role=Role.VIEWER)
    codes = [post(trader.pk, alert(trader)).status_code for _ in range(5)]
    assert codes == [403, 403, 403, 429, 429]
    assert AuditLog.objects.filter(action="webhook.refused").count() == 3


def test_managers_and_admins_trade_by_webhook(manager, admin_user, post) -> None:  # noqa: F811
    for user in (manager, admin_user):
        ready(user)
        assert post(user.pk, alert(user)).status_code == 202


def test_a_trader_made_viewer_no_longer_trades_by_webhook(
    trader,
    admin_user,
    client_for,
    post,  # noqa: F811
) -> None:
    ready(trader)
    before = alert(trader)
    assert post(trader.pk, before).status_code == 202
    _demote(client_for, admin_user, trader)
    # The alerts set up as a trader carry a secret that was replaced: refused like any wrong one.
    assert post(trader.pk, alert(trader, secret=before["secret"])).status_code == 401
    # The new secret proves it is them, and the role still refuses it.
    refused = post(trader.pk, alert(trader))
    assert (refused.status_code, refused.json()["code"]) == (403, "role_not_allowed")
    assert Signal.objects.filter(user=trader).count() == 1


def test_old_alerts_stay_dead_when_the_trader_role_comes_back(
    trader,
    admin_user,
    client_for,
    post,  # noqa: F811
) -> None:
    ready(trader)
    before = alert(trader)
    _demote(client_for, admin_user, trader)
    admin = client_for(admin_user)
    assert admin.patch(f"/api/v1/users/{trader.pk}", {"role": "trader"}, format="json").status_code == 200
    trader.refresh_from_db()
    assert post(trader.pk, alert(trader, secret=before["secret"])).status_code == 401
    page = client_for(trader).get("/api/v1/webhook-secret").json()
    assert page["secret"] != before["secret"]
    assert post(trader.pk, alert(trader, secret=page["secret"])).status_code == 202


def test_the_webhook_setup_page_tells_a_viewer_their_webhook_refuses_alerts(
    trader, admin_user, client_for
) -> None:
    _demote(client_for, admin_user, trader)
    client = client_for(trader)
    for answer in (
        client.get("/api/v1/webhook-secret"),
        client.get("/api/v1/webhook-templates"),
        client.post("/api/v1/webhook-secret/rotate"),
    ):
        assert answer.status_code == 403
        body = answer.json()
        assert body["code"] == "role_not_allowed"
        assert "Your role (viewer) does not trade, so your webhook refuses alerts" in body["detail"]
        assert set(body) == {"detail", "code", "errors"}  # no secret, no template
