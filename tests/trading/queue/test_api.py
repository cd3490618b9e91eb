"""The queue through the API: the ranked list and why each entry sits where it does (pyramid
continuation, loss depth, replacements, expected profit, FIFO, a rule switched off), the history,
the summary, and the manual actions: promote, force-add over the limit, remove; other users'
entries are 404 and entries no longer queued are 409."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from auditlog.models import AuditLog
from trading.positions.models import PositionGroup
from trading.queue.models import QueueEntry
from trading.queue.tasks import sweep_queues
from trading.settings.presets import QUEUE_RULE_NAMES
from trading.settings.services import trading_config_update

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
URL = "/api/v1/queue"
ONE_LEG = [{"gap_percent": "0", "weight_percent": "100", "tp_percent": "1"}]
SYMBOLS = ("BNB/USDT", "SOL/USDT", "LTC/USDT")  # one tick and one step: equal grids


@pytest.fixture
def full(engine):
    """BTC holds the only slot; BNB, SOL and LTC are configured at 100."""
    engine.config(levels=ONE_LEG)
    for symbol in SYMBOLS:
        engine.config(symbol=symbol)
        engine.price(symbol, "100")
    trading_config_update(user=engine.user, fields={"max_open_groups": 1}, partial=True)
    engine.signal(price="100")
    return engine


def _later(seconds: int):
    return timezone.now() + timedelta(seconds=seconds)


def _queue(api, **params) -> list[dict]:
    response = api.get(URL, params)
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def _order(api) -> list[tuple[str, str]]:
    return [(e["symbol"], e["priority_rule"]) for e in _queue(api)]


def _rules(user, *off: str) -> None:
    rules = [{"rule": name, "enabled": name not in off} for name in QUEUE_RULE_NAMES]
    trading_config_update(user=user, fields={"queue_rules": rules}, partial=True)
    sweep_queues.apply()  # the next ranking uses them


# --- ranking -----------------------------------------------------------------------------------------


def test_the_queue_lists_each_entry_with_its_rank_prices_and_signal(full, api):
    signal = full.signal(price="100", symbol="BNB/USDT")
    [entry] = _queue(api)
    assert entry["id"] == str(QueueEntry.objects.get().pk)
    assert {k: entry[k] for k in ("exchange", "symbol", "timeframe", "side", "rank", "priority_rule")} == {
        "exchange": "simulator",
        "symbol": "BNB/USDT",
        "timeframe": "1h",
        "side": "long",
        "rank": 1,
        "priority_rule": "alone",
    }
    assert (entry["entry_price"], entry["current_price"], entry["loss_percent"]) == ("100", "100", "0")
    assert entry["replacement_count"] == 0 and entry["is_pyramid_continuation"] is False
    assert D(entry["expected_profit"]) > 0
    assert entry["signal"] == str(signal.pk)
    assert entry["time_in_queue_seconds"] >= 0 and entry["queued_at"]


def test_the_deepest_loss_ranks_first(full, api):
    full.signal(price="100", symbol="BNB/USDT")
    full.signal(price="100", symbol="SOL/USDT", sent_at=_later(1))
    full.price("SOL/USDT", "90")
    sweep_queues.apply()  # the sweep re-ranks with fresh prices
    entries = _queue(api)
    assert [(e["symbol"], e["loss_percent"]) for e in entries] == [("SOL/USDT", "-10"), ("BNB/USDT", "0")]
    assert entries[0]["priority_rule"] == "deepest_loss"


def test_more_replacements_rank_first_when_losses_are_equal(full, api):
    full.signal(price="100", symbol="BNB/USDT")
    full.signal(price="100", symbol="SOL/USDT")
    full.signal(price="100", symbol="SOL/USDT", sent_at=_later(1))  # replaces SOL's
    assert _order(api) == [("SOL/USDT", "replacement_count"), ("BNB/USDT", "replacement_count")]


def test_a_higher_expected_profit_ranks_first_when_the_rest_is_equal(full, api):
    full.signal(price="100", symbol="BNB/USDT", order_size="1000")
    full.signal(price="100", symbol="SOL/USDT", order_size="2000")
    assert _order(api) == [("SOL/USDT", "expected_profit"), ("BNB/USDT", "expected_profit")]


def test_equal_entries_are_first_in_first_out(full, api):
    for index, symbol in enumerate(SYMBOLS):
        full.signal(price="100", symbol=symbol, sent_at=_later(index))
    assert _order(api) == [("BNB/USDT", "fifo"), ("SOL/USDT", "fifo"), ("LTC/USDT", "fifo")]


def test_a_pyramid_continuation_ranks_before_a_deeper_loss(full, api):
    trading_config_update(user=full.user, fields={"pyramids_bypass_pool": False}, partial=True)
    full.signal(price="100", symbol="BNB/USDT")
    full.price("BNB/USDT", "80")
    full.signal(price="100", sent_at=_later(3600))  # BTC's second pyramid, in a later candle
    sweep_queues.apply()
    entries = _queue(api)
    assert [(e["symbol"], e["is_pyramid_continuation"], e["priority_rule"]) for e in entries] == [
        ("BTC/USDT", True, "pyramid_continuation"),
        ("BNB/USDT", False, "pyramid_continuation"),
    ]
    assert entries[1]["loss_percent"] == "-20"


def test_switching_a_rule_off_changes_the_order(full, api):
    full.signal(price="100", symbol="BNB/USDT")
    full.signal(price="100", symbol="SOL/USDT", sent_at=_later(1))
    full.price("SOL/USDT", "95")
    sweep_queues.apply()
    assert [s for s, _ in _order(api)] == ["SOL/USDT", "BNB/USDT"]
    _rules(full.user, "deepest_loss")
    assert _order(api) == [("BNB/USDT", "fifo"), ("SOL/USDT", "fifo")]


def test_the_history_lists_entries_that_left_the_queue(full, api):
    full.signal(price="100", symbol="BNB/USDT")
    entry = QueueEntry.objects.get()
    assert api.delete(f"{URL}/{entry.pk}").status_code == 204
    assert _queue(api) == []
    [removed] = _queue(api, status="removed")
    assert (removed["id"], removed["status"], removed["reason"]) == (
        str(entry.pk),
        "removed",
        "Removed from the queue by you.",
    )
    assert api.get(URL, {"status": "nonsense"}).status_code == 400


def test_the_summary_shows_the_pool_the_queue_and_the_breaker(full, api):
    full.signal(price="100", symbol="BNB/USDT")
    body = api.get(f"{URL}/summary").json()
    assert {k: body[k] for k in ("open_groups", "max_open_groups", "queued")} == {
        "open_groups": 1,
        "max_open_groups": 1,
        "queued": 1,
    }
    breaker = body["circuit_breaker"]
    assert (breaker["tripped"], breaker["realized_today"], breaker["limit"]) == (False, "0", None)
    assert breaker["since"].startswith(timezone.now().strftime("%Y-%m-%d"))


# --- manual actions ----------------------------------------------------------------------------------


def test_promoting_with_a_full_pool_is_409_naming_the_pool(full, api):
    full.signal(price="100", symbol="BNB/USDT")
    entry = QueueEntry.objects.get()
    response = api.post(f"{URL}/{entry.pk}/promote")
    assert response.status_code == 409
    assert response.json()["code"] == "pool_full"
    assert "Your execution pool is full (1/1 open position groups)" in response.json()["detail"]
    assert QueueEntry.objects.get().status == "queued"


def test_promoting_into_a_free_slot_opens_the_entry_now(full, api):
    full.signal(price="100", symbol="SOL/USDT")
    full.signal(price="100", symbol="BNB/USDT", sent_at=_later(1))
    trading_config_update(user=full.user, fields={"max_open_groups": 2}, partial=True)
    eth = QueueEntry.objects.get(symbol="BNB/USDT")  # ranked second: promoted by hand anyway
    response = api.post(f"{URL}/{eth.pk}/promote")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["promoted_by"]) == ("promoted", "manual")
    group = PositionGroup.objects.get(symbol="BNB/USDT")
    assert body["position_group"] == str(group.pk)
    assert QueueEntry.objects.get(symbol="SOL/USDT").status == "queued"
    audit = AuditLog.objects.get(action="queue.promote")
    assert audit.owner == full.user and audit.changes["status"] == ["queued", "promoted"]


def test_force_add_opens_over_the_pool_limit(full, api):
    full.signal(price="100", symbol="BNB/USDT")
    entry = QueueEntry.objects.get()
    response = api.post(f"{URL}/{entry.pk}/force-add")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["promoted_by"]) == ("promoted", "force")
    assert PositionGroup.objects.exclude(status__in=["closed", "failed"]).count() == 2  # of a pool of 1
    assert AuditLog.objects.filter(action="queue.force_add").count() == 1
    assert api.get(f"{URL}/summary").json()["open_groups"] == 2


def test_removing_an_entry_takes_it_out_and_its_signal_says_so(full, api):
    signal = full.signal(price="100", symbol="BNB/USDT")
    entry = QueueEntry.objects.get()
    assert api.delete(f"{URL}/{entry.pk}").status_code == 204
    entry.refresh_from_db()
    signal.refresh_from_db()
    assert entry.status == "removed"
    assert (signal.status, signal.reason) == ("rejected", "Removed from the queue by you.")
    assert AuditLog.objects.filter(action="queue.remove", resource_id=str(entry.pk)).exists()


def test_an_entry_no_longer_queued_is_409(full, api):
    full.signal(price="100", symbol="BNB/USDT")
    entry = QueueEntry.objects.get()
    api.delete(f"{URL}/{entry.pk}")
    for response in (
        api.delete(f"{URL}/{entry.pk}"),
        api.post(f"{URL}/{entry.pk}/promote"),
        api.post(f"{URL}/{entry.pk}/force-add"),
    ):
        assert response.status_code == 409
        assert response.json()["code"] == "not_queued"


def test_another_users_entry_is_404(full, client_for, other_trader):
    full.signal(price="100", symbol="BNB/USDT")
    entry = QueueEntry.objects.get()
    other = client_for(other_trader)
    assert other.post(f"{URL}/{entry.pk}/promote").status_code == 404
    assert other.post(f"{URL}/{entry.pk}/force-add").status_code == 404
    assert other.delete(f"{URL}/{entry.pk}").status_code == 404
    assert other.get(URL).json()["results"] == []
    assert QueueEntry.objects.get().status == "queued"


def test_viewers_read_the_queue_but_may_not_act_on_it(client_for, viewer):
    client = client_for(viewer)
    assert client.get(URL).status_code == 200
    assert client.post(f"{URL}/circuit-breaker/reset").status_code == 403
    assert client.get(f"{URL}/summary").status_code == 200


def test_the_queue_needs_a_login(anon):
    assert anon.get(URL).status_code == 401


def test_promoting_while_the_service_is_stopped_is_409(full, api):
    from trading.runtime.services import service_status_for

    full.signal(price="100", symbol="BNB/USDT")
    status = service_status_for(full.user.pk)
    status.running = False
    status.save()
    response = api.post(f"{URL}/{QueueEntry.objects.get().pk}/force-add")
    assert response.status_code == 409
    assert response.json()["code"] == "service_stopped"


def test_a_promotion_that_cannot_open_is_409_with_the_reason_and_the_entry_failed(full, api):
    from trading.dca.models import DCAConfig

    signal = full.signal(price="100", symbol="BNB/USDT")
    DCAConfig.objects.filter(symbol="BNB/USDT").delete()
    response = api.post(f"{URL}/{QueueEntry.objects.get().pk}/force-add")
    assert response.status_code == 409
    assert response.json()["code"] == "promotion_failed"
    assert "No DCA configuration for BNB/USDT 1h" in response.json()["detail"]
    assert QueueEntry.objects.get().status == "failed"
    signal.refresh_from_db()
    assert signal.status == "rejected"
