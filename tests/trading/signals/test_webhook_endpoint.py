"""POST /api/v1/webhooks/{user_id} end to end: TradingView's body in, a stored Signal and one
queued `process_signal` out, or a refusal that names the field. Markets come from a running
exchange simulator; nothing of ours is mocked."""

from __future__ import annotations

import copy
import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import User
from auditlog.models_logs import ServiceLog
from brokers.adapters.cache import forget_adapters
from brokers.markets import forget_markets
from brokers.services import exchange_config_create
from brokers.simulator.control import EmbeddedSimulator
from notifications.events import send
from tests.factories import UserFactory
from trading.dca.services import dca_config_create
from trading.signals.models import Signal, SignalStatus

LEVELS = [
    {"gap_percent": "0", "weight_percent": "50", "tp_percent": "1"},
    {"gap_percent": "-1", "weight_percent": "50", "tp_percent": "1"},
]


@pytest.fixture(autouse=True)
def _markets_from_simulator(point_at_simulator: EmbeddedSimulator) -> Iterator[None]:
    forget_markets()
    forget_adapters()
    yield
    forget_adapters()


def ready(user: User, *, symbol: str = "BTCUSDT", timeframe: str = "60") -> User:
    """A trader with a simulator account and a DCA configuration for symbol/timeframe."""
    exchange_config_create(user=user, exchange="simulator", mode="testnet")
    dca_config_create(
        user=user,
        fields={"exchange": "simulator", "symbol": symbol, "timeframe": timeframe, "levels": LEVELS},
    )
    return user


def alert(user: User, **changes: Any) -> dict[str, Any]:
    """A filled TradingView template for `user`; `changes` maps dotted paths to new values
    (None deletes the field)."""
    body: dict[str, Any] = {
        "secret": str(user.webhook_secret),
        "source": "tradingview",
        "timestamp": timezone.now().isoformat().replace("+00:00", "Z"),
        "tv": {
            "exchange": "SIMULATOR",
            "symbol": "BTCUSDT",
            "timeframe": "60",
            "action": "buy",
            "market_position": "long",
            "market_position_size": "0.002",
            "prev_market_position": "flat",
            "prev_market_position_size": "0",
            "entry_price": "64250.5",
            "close_price": "64251",
            "order_size": "0.002",
        },
        "strategy_info": {
            "trade_id": f"t-{uuid.uuid4().hex[:8]}",
            "alert_name": "BTC Long",
            "alert_message": "",
        },
        "execution_intent": {
            "type": "signal",
            "side": "buy",
            "strategy": "grid",
            "position_size_type": "quote",
            "precision_mode": "auto",
        },
        "risk": {"stop_loss": None, "take_profit": None, "max_slippage_percent": 0.2},
    }
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = body
        for name in parents:
            node = node[name]
        if value is None:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return body


@pytest.fixture
def post() -> Callable[..., Any]:
    client = Client()

    def send(user_id: object, body: object, *, slash: bool = False, raw: bytes | None = None) -> Any:
        data = raw if raw is not None else json.dumps(body).encode()
        return client.post(
            f"/api/v1/webhooks/{user_id}{'/' if slash else ''}",
            data=data,
            content_type="text/plain; charset=utf-8",
        )

    return send


def rejected(user: User) -> Signal:
    return Signal.objects.get(user=user, status=SignalStatus.REJECTED)


# --- accepted ---------------------------------------------------------------------------------
def test_a_good_alert_is_stored_received_and_queued_once(
    trader, post, django_capture_on_commit_callbacks
) -> None:
    ready(trader)
    body = alert(trader)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(trader.pk, body)
    assert response.status_code == 202, response.json()
    answer = response.json()
    assert answer["status"] == "received"
    assert answer["classification"] == "pending"
    signal = Signal.objects.get(pk=answer["signal_id"])
    assert (signal.user_id, signal.status, signal.exchange, signal.symbol, signal.timeframe) == (
        trader.pk,
        "received",
        "simulator",
        "BTC/USDT",
        "1h",
    )
    assert (signal.side, signal.intent_type, str(signal.price)) == (
        "long",
        "signal",
        "64250.500000000000000000",
    )
    assert signal.account.exchange == "simulator"
    assert signal.idempotency_key
    assert signal.parsed["trade_id"] == body["strategy_info"]["trade_id"]
    assert signal.sent_at is not None
    assert len(callbacks) == 1  # process_signal, after commit
    # The web process tells nothing: the worker tells the signal once it has acted on it.
    assert not ServiceLog.objects.filter(user=trader).exists()


def test_the_queued_message_names_the_signal_and_the_user(
    trader, post, django_capture_on_commit_callbacks
) -> None:
    from config.celery import app

    ready(trader)
    sent: list[dict[str, Any]] = []

    def record(
        sender: str | None = None,
        headers: dict[str, Any] | None = None,
        body: Any = None,
        properties: dict[str, Any] | None = None,
        **_: Any,
    ) -> None:
        priority = (properties or {}).get("priority")
        sent.append({"task": sender, "kwargs": body[1] if body else None, "priority": priority})

    from celery.signals import before_task_publish

    before_task_publish.connect(record, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = post(trader.pk, alert(trader))
    finally:
        before_task_publish.disconnect(record)
        with app.connection_for_write() as conn:  # leave no message behind for other tests
            conn.default_channel.queue_purge("celery")
    assert response.status_code == 202
    # Priority 1: ahead of the order and monitor tasks (default 5) on the Redis broker.
    assert sent == [
        {
            "task": "trading.tasks.process_signal",
            "kwargs": {"signal_id": response.json()["signal_id"], "user_id": str(trader.pk)},
            "priority": 1,
        }
    ]


def test_exit_needs_no_dca_config_and_is_classified_exit(trader, post) -> None:
    exchange_config_create(user=trader, exchange="simulator", mode="testnet")
    response = post(
        trader.pk,
        alert(trader, tv__action="sell", execution_intent__type="exit", execution_intent__side=None),
    )
    assert response.status_code == 202, response.json()
    assert response.json()["classification"] == "exit"
    assert Signal.objects.get(pk=response.json()["signal_id"]).side == "long"


def test_the_url_works_with_a_trailing_slash(trader, post) -> None:
    ready(trader)
    assert post(trader.pk, alert(trader), slash=True).status_code == 202


def test_bodyless_symbol_forms_match_the_same_market(trader, post) -> None:
    ready(trader)
    response = post(trader.pk, alert(trader, tv__symbol="BTC/USDT"))
    assert response.status_code == 202, response.json()
    assert Signal.objects.get(pk=response.json()["signal_id"]).symbol == "BTC/USDT"


# --- duplicates -------------------------------------------------------------------------------
def test_the_same_alert_twice_is_answered_with_the_first_id_and_stored_once(
    trader, post, django_capture_on_commit_callbacks
) -> None:
    ready(trader)
    body = alert(trader)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = post(trader.pk, body)
        second = post(trader.pk, body)
    assert first.status_code == 202
    # Not acted on yet, so sent again and 202 (tests/trading/signals/test_webhook_enqueue_failure.py);
    # a resend of a signal the engine acted on is a 200 duplicate.
    assert second.status_code == 202
    assert second.json() == {
        "signal_id": first.json()["signal_id"],
        "status": "received",
        "classification": "pending",
    }
    assert Signal.objects.filter(user=trader).count() == 1
    assert len(callbacks) == 2


def test_the_same_body_without_trade_id_within_a_minute_is_a_duplicate(trader, post) -> None:
    ready(trader)
    body = alert(trader, strategy_info=None)
    first, second = post(trader.pk, body), post(trader.pk, body)
    assert (first.status_code, second.status_code) == (202, 202)  # 202: not acted on yet
    assert second.json()["signal_id"] == first.json()["signal_id"]
    assert Signal.objects.filter(user=trader).count() == 1


def test_two_users_may_send_the_same_trade_id(trader, other_trader, post) -> None:
    ready(trader)
    ready(other_trader)
    a = post(trader.pk, alert(trader, strategy_info__trade_id="same"))
    b = post(other_trader.pk, alert(other_trader, strategy_info__trade_id="same"))
    assert (a.status_code, b.status_code) == (202, 202)


@pytest.mark.django_db(transaction=True)
def test_ten_identical_alerts_at_once_create_one_signal(trader) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so nothing would race")
    ready(trader)
    body = json.dumps(alert(trader)).encode()
    barrier = threading.Barrier(10)
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def send() -> None:
        try:
            barrier.wait()
            response = Client().post(f"/api/v1/webhooks/{trader.pk}", data=body, content_type="text/plain")
            with lock:
                answers.append((response.status_code, response.json()["signal_id"]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Signal.objects.filter(user=trader).count() == 1
    assert sorted(code for code, _ in answers) == [202] * 10  # no worker: none acted on yet
    assert {signal_id for _, signal_id in answers} == {str(Signal.objects.get(user=trader).pk)}


# --- rejections -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "status", "field", "code"),
    [
        ({"tv__symbol": "{{ticker}}"}, 400, "tv.symbol", "placeholder"),
        ({"timestamp": "2020-01-01T00:00:00Z"}, 422, "timestamp", "stale"),
        ({"tv__exchange": "KRAKEN"}, 422, "tv.exchange", "no_account"),
        ({"execution_intent__account": "nope"}, 422, "execution_intent.account", "no_account"),
        ({"tv__symbol": "NOPEUSDT"}, 422, "tv.symbol", "unknown_symbol"),
        ({"tv__timeframe": "15"}, 422, "tv.symbol", "no_dca_config"),
        ({"tv__action": "dance"}, 400, "tv.action", "unsupported"),
        ({"tv": None}, 400, "tv", "missing"),
    ],
    ids=[
        "placeholder",
        "stale",
        "unknown-exchange",
        "unknown-account",
        "unknown-symbol",
        "no-dca",
        "bad-action",
        "no-tv",
    ],
)
def test_a_refused_alert_names_the_field_and_is_logged_rejected(
    trader, post, changes, status, field, code, django_capture_on_commit_callbacks
) -> None:
    ready(trader)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(trader.pk, alert(trader, **changes))
    assert response.status_code == status, response.json()
    answer = response.json()
    assert answer["code"] == code
    assert list(answer["errors"]) == [field]
    assert answer["detail"].startswith(f"{field}: ")
    signal = rejected(trader)
    assert str(signal.pk) == answer["signal_id"]
    assert signal.idempotency_key is None
    assert signal.reason.startswith(f"{field}: ")
    assert '"secret": "***"' in signal.raw_body
    assert (signal.reason_code, signal.reason_field) == (code, field)
    # Nothing is enqueued; what is sent is the live event that raises the trader's toast, the
    # refusal's line in the trader's log (trading/signals/journal.py) and its notification.
    [pushed] = [callback for callback in callbacks if getattr(callback, "func", None) is send]
    rest = [callback for callback in callbacks if callback is not pushed]
    [told] = [
        c for c in rest if getattr(getattr(c, "func", c), "__module__", "") == "trading.runtime.journal"
    ]
    noted = [c for c in rest if c is not told]
    assert noted and all(
        getattr(getattr(c, "func", c), "__module__", "").startswith("notifications.") for c in noted
    ), noted
    assert told.args[1].startswith("Signal for ") and f"refused by the webhook ({code})" in told.args[1]
    event = pushed.args[1]["event"]
    assert event["type"] == "signal.received"
    assert event["data"]["outcome"] == ("stale" if code == "stale" else "refused")
    assert (event["data"]["reason_code"], event["data"]["reason_field"]) == (code, field)


def test_a_rejected_alert_does_not_block_the_corrected_one(trader, post) -> None:
    ready(trader)
    body = alert(trader, tv__timeframe="15")
    assert post(trader.pk, body).status_code == 422
    dca_config_create(
        user=trader,
        fields={"exchange": "simulator", "symbol": "BTCUSDT", "timeframe": "15", "levels": LEVELS},
    )
    assert post(trader.pk, body).status_code == 202


def test_a_body_that_is_not_json_is_400(trader, post) -> None:
    ready(trader)
    response = post(trader.pk, None, raw=b"buy BTCUSDT now")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_body"
    assert not Signal.objects.exists()  # no secret in it: not provably the trader's


def test_a_broken_paste_of_the_template_is_kept_with_the_secret_masked(trader, post) -> None:
    ready(trader)
    secret = str(trader.webhook_secret)
    raw = f'{{"secret": "{secret}", "tv": {{"symbol": "BTCUSDT",}}'.encode()
    response = post(trader.pk, None, raw=raw)
    assert response.status_code == 400
    signal = rejected(trader)
    assert secret not in signal.raw_body
    assert "***" in signal.raw_body
    assert "BTCUSDT" in signal.raw_body


def test_a_huge_body_is_400(trader, post) -> None:
    response = post(trader.pk, None, raw=b"{" + b" " * 70_000 + b"}")
    assert response.status_code == 400
    assert response.json()["code"] == "too_large"


# --- authentication ---------------------------------------------------------------------------
def test_a_bad_secret_is_401_stores_nothing_and_logs_one_security_line(trader, post, caplog) -> None:
    ready(trader)
    body = alert(trader, secret="not-the-secret-at-all")
    with caplog.at_level(logging.WARNING, logger="tradefleet.security"):
        response = post(trader.pk, body)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert not Signal.objects.exists()
    lines = [r for r in caplog.records if r.name == "tradefleet.security"]
    assert len(lines) == 1
    assert str(trader.pk) in lines[0].getMessage()
    assert "127.0.0.1" in lines[0].getMessage()
    assert "not-the-secret-at-all" not in caplog.text


def test_a_bad_secret_is_counted(trader, post) -> None:
    from prometheus_client import REGISTRY

    def count() -> float:
        return (
            REGISTRY.get_sample_value("tradefleet_webhook_auth_failures_total", {"reason": "bad_secret"})
            or 0.0
        )

    before = count()
    post(trader.pk, alert(trader, secret="wrong-wrong-wrong"))
    assert count() == before + 1


@pytest.mark.parametrize("user_id", ["not-a-uuid", str(uuid.uuid4()), "1' OR 1=1 --"])
def test_an_unknown_or_malformed_user_id_is_401_like_a_bad_secret(trader, post, user_id) -> None:
    response = post(user_id, alert(trader))
    assert response.status_code == 401
    assert response.json() == post(trader.pk, alert(trader, secret="wrong-secret-x")).json()
    assert not Signal.objects.exists()


def test_an_inactive_user_is_401(trader, post) -> None:
    ready(trader)
    User.objects.filter(pk=trader.pk).update(is_active=False)
    assert post(trader.pk, alert(trader)).status_code == 401
    assert not Signal.objects.exists()


def test_a_missing_secret_is_401(trader, post) -> None:
    assert post(trader.pk, alert(trader, secret=None)).status_code == 401
    assert not Signal.objects.exists()


def test_user_b_secret_cannot_act_for_user_a(trader, other_trader, post) -> None:
    ready(trader)
    ready(other_trader)
    response = post(trader.pk, alert(other_trader))
    assert response.status_code == 401
    assert not Signal.objects.exists()


def test_only_post_is_served(trader) -> None:
    assert Client().get(f"/api/v1/webhooks/{trader.pk}").status_code == 405


def test_the_webhook_is_not_throttled_like_the_user_api(trader, post, settings) -> None:
    ready(trader)
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "ip": "2/min"},
    }
    codes = {post(trader.pk, alert(trader)).status_code for _ in range(5)}
    assert codes == {202}


# --- the secret never leaks ---------------------------------------------------------------------
def test_the_secret_never_reaches_a_row_a_response_or_a_log(trader, post, caplog, client_for) -> None:
    ready(trader)
    secret = str(trader.webhook_secret)
    bodies = [
        alert(trader),
        alert(trader, tv__symbol="NOPEUSDT"),
        alert(trader, timestamp="2020-01-01T00:00:00Z"),
        alert(trader, strategy_info__alert_message=f"note {secret}"),
        alert(trader, tv__deep={"deeper": {"deepest": secret.upper()}}),
    ]
    with caplog.at_level(logging.DEBUG):
        responses = [post(trader.pk, body) for body in bodies]
        responses.append(post(trader.pk, None, raw=f"oops {secret}".encode()))
        api = client_for(trader)
        listing = api.get("/api/v1/signals")
        details = [api.get(f"/api/v1/signals/{s.pk}") for s in Signal.objects.filter(user=trader)]
    assert Signal.objects.filter(user=trader).count() == len(bodies) + 1
    texts = [r.content.decode() for r in (*responses, listing, *details)]
    texts += [s.raw_body + json.dumps(s.parsed) + s.reason for s in Signal.objects.all()]
    texts.append(caplog.text)
    for text in texts:
        assert secret not in text
        assert secret.lower() not in text.lower()


# --- fuzz -------------------------------------------------------------------------------------
JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["", "{{ticker}}", "buy", "sell", "60", "1D", "BTCUSDT", "-1", "1e999", "0", "exit"])
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
PATHS = [
    "timestamp",
    "source",
    "tv",
    "tv__exchange",
    "tv__symbol",
    "tv__timeframe",
    "tv__action",
    "tv__entry_price",
    "tv__close_price",
    "tv__order_size",
    "tv__market_position_size",
    "tv__prev_market_position_size",
    "strategy_info",
    "strategy_info__trade_id",
    "execution_intent",
    "execution_intent__type",
    "execution_intent__side",
    "execution_intent__account",
    "execution_intent__fraction",
    "risk",
    "risk__max_slippage_percent",
]


@pytest.fixture
def fuzz_user(db: None, settings: Any) -> User:
    # Hundreds of alerts from one trader within seconds: the fuzz is about bodies, not the limits.
    settings.WEBHOOK_RATE_BURST = 10_000
    settings.WEBHOOK_AUTH_FAILURES_PER_SENDER = settings.WEBHOOK_AUTH_FAILURES_PER_ADDRESS = 10_000
    settings.WEBHOOK_AUTH_FAILURES_PER_USER = 10_000
    return ready(UserFactory())


@hypothesis_settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=st.dictionaries(st.sampled_from(PATHS), JSON_VALUES, max_size=4))
def test_no_template_mutation_makes_a_500(fuzz_user, post, changes) -> None:
    body = alert(fuzz_user)
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node: Any = body
        for name in parents:
            if not isinstance(node.get(name), dict):
                node[name] = {}
            node = node[name]
        node[leaf] = copy.deepcopy(value)
    response = post(fuzz_user.pk, None, raw=json.dumps(body).encode())
    assert response.status_code in (200, 202, 400, 401, 422), response.content
    assert str(fuzz_user.webhook_secret) not in response.content.decode()


@hypothesis_settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(
        st.binary(max_size=300),
        JSON_VALUES.map(lambda v: json.dumps(v).encode()),
        st.text(max_size=200).map(str.encode),
    )
)
def test_no_odd_body_makes_a_500(fuzz_user, post, body) -> None:
    response = post(fuzz_user.pk, None, raw=body)
    assert response.status_code in (400, 401), response.content


def test_changes_to_accounts_and_configs_apply_to_the_very_next_alert(trader, post) -> None:
    """The webhook keeps the user's accounts and configurations per process; any change to them
    must still be seen at once."""
    from brokers.models import ExchangeConfig
    from trading.dca.models import DCAConfig

    ready(trader)
    assert post(trader.pk, alert(trader)).status_code == 202
    DCAConfig.objects.get(user=trader).delete()
    refused = post(trader.pk, alert(trader))
    assert (refused.status_code, refused.json()["code"]) == (422, "no_dca_config")
    dca_config_create(
        user=trader,
        fields={"exchange": "simulator", "symbol": "BTCUSDT", "timeframe": "", "levels": LEVELS},
    )
    assert post(trader.pk, alert(trader)).status_code == 202
    account = ExchangeConfig.objects.get(user=trader)
    account.is_enabled = False
    account.save()
    refused = post(trader.pk, alert(trader))
    assert (refused.status_code, refused.json()["code"]) == (422, "no_account")


def test_the_users_max_signal_age_from_their_trading_configuration_applies(trader, post) -> None:
    from datetime import timedelta

    from trading.settings.services import trading_config_update

    ready(trader)
    two_minutes_old = (timezone.now() - timedelta(minutes=2)).isoformat()
    assert post(trader.pk, alert(trader, timestamp=two_minutes_old)).status_code == 202
    trading_config_update(user=trader, fields={"max_signal_age_seconds": 60}, partial=True)
    refused = post(trader.pk, alert(trader, timestamp=two_minutes_old))
    assert (refused.status_code, refused.json()["code"]) == (422, "stale")


# --- what TradingView sends: text/plain ---------------------------------------------------------
@pytest.mark.parametrize(
    "content_type",
    ["text/plain; charset=utf-8", "text/plain", "application/json", "application/x-www-form-urlencoded", ""],
)
def test_the_body_is_read_as_json_whatever_its_content_type(trader, content_type) -> None:
    ready(trader)
    response = Client().post(
        f"/api/v1/webhooks/{trader.pk}", data=json.dumps(alert(trader)).encode(), content_type=content_type
    )
    assert response.status_code == 202, response.content
    assert response["Content-Type"] == "application/json"


def test_an_empty_body_is_400_naming_the_body(trader, post) -> None:
    response = post(trader.pk, None, raw=b"")
    assert response.status_code == 400
    assert (response.json()["code"], list(response.json()["errors"])) == ("invalid_body", ["body"])


def test_no_login_and_no_csrf_token_are_needed(trader) -> None:
    ready(trader)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"/api/v1/webhooks/{trader.pk}", data=json.dumps(alert(trader)), content_type="text/plain"
    )
    assert response.status_code == 202


# --- the per-user rate limit ----------------------------------------------------------------------
def test_alerts_beyond_the_burst_are_429_with_retry_after_and_nothing_is_stored(
    trader, post, settings
) -> None:
    ready(trader)
    settings.WEBHOOK_RATE_LIMIT, settings.WEBHOOK_RATE_BURST = "6/min", 3
    accepted = [post(trader.pk, alert(trader)).status_code for _ in range(3)]
    refused = post(trader.pk, alert(trader))
    assert accepted == [202, 202, 202]
    assert refused.status_code == 429
    # One alert every 10 s refills the bucket: the next is taken in 10 s (whole seconds, rounded up).
    assert refused["Retry-After"] == "10"
    assert refused.json() == {
        "detail": "Too many alerts; retry in 10 s.",
        "code": "rate_limited",
        "errors": {},
    }
    assert Signal.objects.filter(user=trader).count() == 3


def test_a_stranger_who_knows_the_url_cannot_use_up_the_traders_limit(trader, post, settings) -> None:
    ready(trader)
    settings.WEBHOOK_RATE_BURST = 2
    strangers = {
        post(trader.pk, alert(trader, secret="a-guessed-wrong-secret")).status_code for _ in range(20)
    }
    assert strangers == {401, 429}  # past the sender's limit of wrong secrets: 429 (rate_limit.py)
    assert [post(trader.pk, alert(trader)).status_code for _ in range(2)] == [202, 202]


def test_each_trader_has_a_limit_of_their_own(trader, other_trader, post, settings) -> None:
    ready(trader)
    ready(other_trader)
    settings.WEBHOOK_RATE_BURST = 1
    assert [post(trader.pk, alert(trader)).status_code for _ in range(2)] == [202, 429]
    assert post(other_trader.pk, alert(other_trader)).status_code == 202


def test_other_spellings_of_the_user_id_share_the_one_limit(trader, post, settings) -> None:
    ready(trader)
    settings.WEBHOOK_RATE_BURST = 1
    assert post(trader.pk, alert(trader)).status_code == 202
    assert post(trader.pk.hex.upper(), alert(trader)).status_code == 429


def test_a_broken_paste_counts_and_is_not_kept_once_over_the_limit(trader, post, settings) -> None:
    ready(trader)
    settings.WEBHOOK_RATE_BURST = 1
    raw = f'{{"secret": "{trader.webhook_secret}", "tv": {{"symbol": "BTCUSDT",}}'.encode()
    assert post(trader.pk, None, raw=raw).status_code == 400
    over = post(trader.pk, None, raw=raw)
    assert (over.status_code, over.json()["code"]) == (429, "rate_limited")
    assert Signal.objects.filter(user=trader).count() == 1


def test_the_limit_is_shared_by_every_web_process(trader, post, settings) -> None:
    from brokers.ratelimit import RedisBackend, default_backend

    if not isinstance(default_backend(), RedisBackend):
        pytest.skip("embedded mode: one process, the bucket lives in its memory")
    ready(trader)
    settings.WEBHOOK_RATE_LIMIT, settings.WEBHOOK_RATE_BURST = "1/min", 2
    assert [post(trader.pk, alert(trader)).status_code for _ in range(2)] == [202, 202]
    # Another gunicorn worker is another connection to the same Redis: the bucket is empty there too.
    elsewhere = RedisBackend(settings.CACHES["default"]["LOCATION"])
    verdict = elsewhere.reserve(
        f"webhook:{trader.pk}", "webhook", cost=1, rate=1 / 60, capacity=2, max_wait=0
    )
    assert not verdict.granted
    assert 50 < verdict.wait <= 60


def test_the_rate_setting_reads_like_the_throttle_rates(settings) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from trading.signals.rate_limit import parse_rate

    assert parse_rate("60/min", 120) == (1.0, 120.0)
    assert parse_rate("2/s", 1) == (2.0, 1.0)
    assert parse_rate("3600/hour", 5) == (1.0, 5.0)
    for bad in ("60", "0/min", "-1/min", "60/week", "sixty/min"):
        with pytest.raises(ImproperlyConfigured):
            parse_rate(bad, 10)
    with pytest.raises(ImproperlyConfigured):
        parse_rate("60/min", 0)


# --- the secret kept per process ----------------------------------------------------------------
def test_a_rotated_secret_is_refused_at_once_and_the_new_one_accepted(trader, post, api) -> None:
    ready(trader)
    old = alert(trader)
    assert post(trader.pk, old).status_code == 202  # the old secret is now this process's
    new_secret = api.post("/api/v1/webhook-secret/rotate").json()["secret"]
    assert post(trader.pk, alert(trader, secret=old["secret"])).status_code == 401
    assert post(trader.pk, alert(trader, secret=new_secret)).status_code == 202


def test_a_ciphertext_copied_into_another_row_is_not_trusted_from_the_cache(
    trader, other_trader, post
) -> None:
    ready(trader)
    assert post(trader.pk, alert(trader)).status_code == 202
    User.objects.filter(pk=other_trader.pk).update(webhook_secret_encrypted=trader.webhook_secret_encrypted)
    assert post(other_trader.pk, alert(trader)).status_code == 401


# --- the OpenAPI schema -------------------------------------------------------------------------
def test_the_webhook_is_in_the_openapi_schema_with_every_answer_and_code() -> None:
    from trading.signals.api.webhook_schema import BAD_REQUEST_CODES, UNPROCESSABLE_CODES

    response = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]
    assert "/api/v1/webhooks/{user_id}/" not in paths  # the trailing-slash route is the same operation
    operation = paths["/api/v1/webhooks/{user_id}"]["post"]
    assert set(paths["/api/v1/webhooks/{user_id}"]) == {"post"}
    assert "security" not in operation  # public: the secret is in the body
    assert set(operation["requestBody"]["content"]) == {"text/plain", "application/json"}
    answers = operation["responses"]
    assert set(answers) == {"200", "202", "400", "401", "403", "422", "429"}
    assert "Retry-After" in answers["429"]["headers"]
    for status in answers:
        assert answers[status]["content"]["application/json"]["examples"], status
    for code in (*BAD_REQUEST_CODES, *UNPROCESSABLE_CODES):
        assert f"`{code}`" in operation["description"]


def test_every_refusal_code_the_webhook_raises_is_documented_with_its_status() -> None:
    import ast
    from pathlib import Path

    from trading.signals import services, webhook, webhook_fields
    from trading.signals.api.webhook_schema import BAD_REQUEST_CODES, UNPROCESSABLE_CODES

    raised: set[str] = set()
    for module in (webhook, webhook_fields, services):
        for node in ast.walk(ast.parse(Path(module.__file__).read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "SignalRejected":
                code = node.args[2] if len(node.args) > 2 else ast.Constant("invalid")
                if isinstance(code, ast.Constant):
                    raised.add(code.value)
    assert raised == set(BAD_REQUEST_CODES) | set(UNPROCESSABLE_CODES)
    assert set(UNPROCESSABLE_CODES) == services.UNPROCESSABLE  # 422; the rest are 400
