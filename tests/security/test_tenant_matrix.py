"""Every route that names something by its path, called by trader B with trader A's ids: B never
reads, changes or learns of A's rows (404, as the architecture says: "another user's object
answers 404"), except where the docs make the route a role's (403 for a trader).

The table below is checked against the URL conf: a new route with a path parameter fails
`test_the_table_covers_every_route_with_a_path_parameter` until someone decides, here, what
another user must get from it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.security.estate import Estate, estate_build
from tests.security.routes import fill, id_operations
from tests.trading.factories import ExchangeConfigFactory

pytestmark = pytest.mark.django_db
V1 = "/api/v1"

# What trader B gets for A's object, per operation.
EXPECTED: dict[tuple[str, str], int] = {
    # Backups are the admin's (docs/admin-guide/backups.md): a trader is refused.
    ("GET", f"{V1}/admin/backups/{{pk}}"): 403,
    ("GET", f"{V1}/admin/backups/{{pk}}/download"): 403,
    ("POST", f"{V1}/admin/backups/{{pk}}/verify"): 403,
    ("PATCH", f"{V1}/admin/alerts/{{key}}"): 403,
    # A's data export: B's token is not A's and the id is not B's.
    ("GET", f"{V1}/me/exports/{{pk}}"): 404,
    ("GET", f"{V1}/me/exports/{{pk}}/download"): 404,
    # Authenticated by A's webhook secret in the body, which B does not have: B's own is refused.
    ("POST", f"{V1}/webhooks/{{user_id}}"): 401,
    ("POST", f"{V1}/webhooks/{{user_id}}/"): 401,
    ("DELETE", f"{V1}/auth/sessions/{{pk}}"): 404,
    # The user list is for managers and admins (admin guide, "Roles"): a trader is refused.
    ("GET", f"{V1}/users/{{pk}}"): 403,
    ("PATCH", f"{V1}/users/{{pk}}"): 403,
    ("GET", f"{V1}/audit/{{pk}}"): 404,
    ("GET", f"{V1}/logs/errors/{{pk}}"): 404,
    # Resolving errors and deleting old logs are the admin's (docs/admin-guide/logs.md).
    ("POST", f"{V1}/logs/errors/{{pk}}/resolve"): 403,
    ("DELETE", f"{V1}/logs/system/{{days_old}}"): 403,
    # The exchange in the path and ?label= name the caller's own account: B has none there.
    ("DELETE", f"{V1}/keys/{{exchange}}"): 404,
    ("PUT", f"{V1}/keys/{{exchange}}/validate"): 404,
    ("PUT", f"{V1}/keys/{{exchange}}/mode"): 404,
    ("GET", f"{V1}/keys/{{exchange}}/holdings"): 404,
    ("GET", f"{V1}/keys/{{exchange}}/positions"): 404,
    ("GET", f"{V1}/keys/{{exchange}}/funds"): 404,
    ("GET", f"{V1}/keys/{{exchange}}/orders"): 404,
    # Connecting an account under A's exchange and label makes B's own (labels are per user).
    ("POST", f"{V1}/keys/{{exchange}}"): 201,
    ("PUT", f"{V1}/simulator/prices/{{symbol}}"): 403,  # the admin steers the simulator
    ("GET", f"{V1}/dca-configs/{{pk}}"): 404,
    ("PUT", f"{V1}/dca-configs/{{pk}}"): 404,
    ("PATCH", f"{V1}/dca-configs/{{pk}}"): 404,
    ("DELETE", f"{V1}/dca-configs/{{pk}}"): 404,
    ("GET", f"{V1}/dca-configs/{{pk}}/stats"): 404,
    ("GET", f"{V1}/signals/{{pk}}"): 404,
    ("GET", f"{V1}/positions/{{pk}}"): 404,
    ("POST", f"{V1}/positions/{{pk}}/close"): 404,
    # A preset is named, not owned: applying one changes B's configuration only.
    ("POST", f"{V1}/trading-config/presets/{{name}}/apply"): 200,
    ("DELETE", f"{V1}/queue/{{pk}}"): 404,
    ("POST", f"{V1}/queue/{{pk}}/force-add"): 404,
    ("POST", f"{V1}/queue/{{pk}}/promote"): 404,
    ("POST", f"{V1}/risk/groups/{{pk}}/skip-once"): 404,
    ("POST", f"{V1}/notifications/{{pk}}/read"): 404,
    ("POST", f"{V1}/risk/groups/{{pk}}/block"): 404,
    ("DELETE", f"{V1}/risk/groups/{{pk}}/block"): 404,
    ("GET", f"{V1}/equities/analysis/runs/{{run_id}}"): 404,
    ("GET", f"{V1}/equities/legacy-imports/{{pk}}"): 404,
    ("POST", f"{V1}/equities/legacy-imports/{{pk}}/apply"): 404,
    ("POST", f"{V1}/equities/legacy-imports/{{pk}}/rollback"): 404,
    # A task is named, not owned: running one runs B's own.
    ("POST", f"{V1}/equities/tasks/{{task}}/run"): 202,
    # ML training and the model registry are the admin's (docs/admin-guide/ml.md): a trader is refused.
    ("GET", f"{V1}/ml/jobs/{{pk}}"): 403,
    ("POST", f"{V1}/ml/jobs/{{pk}}/cancel"): 403,
    ("POST", f"{V1}/ml/models/{{pk}}/activate"): 403,
    ("GET", f"{V1}/ml/schedules/{{pk}}"): 403,
    ("PATCH", f"{V1}/ml/schedules/{{pk}}"): 403,
    ("DELETE", f"{V1}/ml/schedules/{{pk}}"): 403,
}

# Routes whose path names public catalogue data, the same for everyone: nothing user-owned.
NOT_USER_OWNED = {
    ("GET", f"{V1}/markets/{{exchange}}"),
    ("GET", f"{V1}/markets/{{exchange}}/{{symbol}}"),
    ("POST", f"{V1}/market-data/series/{{pk}}/refresh"),  # shared series; admins only
    ("POST", f"{V1}/notifications/telegram/webhook/{{secret}}"),  # the bot's, by its secret
}

# The estate's row each `{pk}` names, by the route's first segment.
PK_OWNER = {
    "auth": "session",
    "users": "user",
    "audit": "audit",
    "logs": "error",
    "dca-configs": "dca_config",
    "signals": "signal",
    "positions": "group",
    "queue": "queue_entry",
    "risk": "group",
    "equities": "legacy_import",  # equities/legacy-imports/{pk}
    "admin": "user",  # admin/backups/{pk}: refused before any lookup
    "ml": "user",  # admin routes, refused before any lookup: any id of the right kind does
    "notifications": "notification",
}


def path_for(route: str, a: Estate) -> str:
    if route.startswith(f"{V1}/me/exports/"):
        from accounts.export.models import DataExport

        return fill(route, pk=DataExport.objects.create(owner=a.user, format="json").pk)
    if route.startswith(f"{V1}/ml/schedules/"):
        return fill(route, pk=1)  # schedules have integer ids; refused before any lookup too
    if "{exchange}" in route:
        return fill(route, exchange=a.account.exchange) + f"?label={a.account.label}"
    segment = route.removeprefix(f"{V1}/").split("/")[0]
    values: dict[str, object] = {
        "user_id": a.user.pk,
        "days_old": 0,
        "symbol": "BTCUSDT",
        "name": "conservative",
        "run_id": a.analysis_run.pk,
        "task": "analysis",
        "secret": "not-the-bots-secret",
        "key": "queue_depth",
    }
    if "{pk}" in route:
        values["pk"] = getattr(a, PK_OWNER[segment]).pk
    return fill(route, **{k: v for k, v in values.items() if f"{{{k}}}" in route})


def body_for(method: str, route: str, a: Estate, b_secret: str) -> dict[str, Any]:
    """A body that would do the thing if the object were B's: the refusal must be about whose
    object it is, not about a malformed request."""
    if "/webhooks/" in route:
        return {"secret": b_secret, "tv": {"symbol": "BTCUSDT", "action": "buy"}}
    if route.endswith("/keys/{exchange}") and method == "POST":
        return {"mode": "testnet", "api_key": "b-key", "api_secret": "b-secret", "label": a.account.label}
    if route.endswith("/mode"):
        return {"mode": "live"}
    if "/dca-configs/" in route and method in ("PUT", "PATCH"):
        return {
            "exchange": "simulator",
            "symbol": "ETH/USDT",
            "timeframe": "4h",
            "levels": a.dca_config.levels,
        }
    if route.endswith("/resolve"):
        return {"notes": "not mine"}
    if "/users/" in route:
        return {"role": "viewer"}
    if "/simulator/prices/" in route:
        return {"price": "1"}
    return {}


@pytest.fixture
def a(trader) -> Estate:
    return estate_build(trader)


@pytest.fixture
def b(other_trader) -> Estate:
    # B has rows of every kind too: a leak would not hide behind an empty table.
    return estate_build(other_trader, account=ExchangeConfigFactory(user=other_trader, label="b-main"))


def test_the_table_covers_every_route_with_a_path_parameter() -> None:
    covered = set(EXPECTED) | NOT_USER_OWNED
    assert covered == set(id_operations()), (
        f"routes without an expectation: {sorted(set(id_operations()) - covered)}; "
        f"expectations without a route: {sorted(covered - set(id_operations()))}"
    )


@pytest.mark.parametrize(("method", "route"), sorted(EXPECTED), ids=lambda v: str(v))
def test_another_traders_ids_get_nothing(method, route, a, b, client_for, settings_throttles_off) -> None:
    before = a.snapshot()
    client = client_for(b.user)
    body = body_for(method, route, a, str(b.user.webhook_secret))
    response = client.generic(
        method, path_for(route, a), data=json.dumps(body), content_type="application/json"
    )

    assert response.status_code == EXPECTED[(method, route)], response.content[:300]
    assert a.snapshot() == before, "B's call changed A's rows"
    text = response.content.decode(errors="replace")
    leaked = {marker for marker in a.markers() if marker in text}
    assert not leaked, f"A's {leaked} in B's answer"
