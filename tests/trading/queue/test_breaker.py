"""The daily realized-loss circuit breaker: once the day's closed groups have lost
`max_realized_loss_per_day`, new entries wait in the queue and nothing is promoted, by the sweep
or by hand, until the next UTC day or a reset; the reset is audited and lets the queue move."""

from __future__ import annotations

import pytest

from auditlog.models import AuditLog
from trading.positions.models import PositionGroup
from trading.queue.models import QueueEntry
from trading.queue.tasks import sweep_queues
from trading.settings.services import trading_config_update

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/queue"
ONE_LEG = [{"gap_percent": "0", "weight_percent": "100", "tp_percent": "1"}]


@pytest.fixture
def tripped(engine):
    """A BTC position bought 10 @ 100 and exited at 99: -10 and 1.99 of fees, over the limit of 5."""
    engine.config(levels=ONE_LEG)
    engine.config(levels=ONE_LEG, symbol="ETH/USDT")
    trading_config_update(user=engine.user, fields={"max_realized_loss_per_day": "5"}, partial=True)
    engine.signal(price="100")
    engine.price("BTC/USDT", "99")
    engine.signal(intent="exit", price="99")
    assert engine.group().status == "closed"
    return engine


def test_after_the_days_loss_limit_a_new_entry_waits_instead_of_opening(tripped):
    waiting = tripped.signal(price="100", symbol="ETH/USDT")
    assert waiting.status == "queued"
    assert waiting.reason == (
        "The daily loss limit is reached (realized -11.99 today, limit 5): nothing opens until "
        "tomorrow (UTC) or a reset: queued at rank 1 of 1."
    )
    assert not PositionGroup.objects.filter(symbol="ETH/USDT").exists()


def test_the_summary_shows_the_tripped_breaker(tripped, api):
    breaker = api.get(f"{URL}/summary").json()["circuit_breaker"]
    assert (breaker["tripped"], breaker["realized_today"], breaker["limit"]) == (True, "-11.99", "5")


def test_nothing_is_promoted_while_the_breaker_is_tripped(tripped, api):
    tripped.signal(price="100", symbol="ETH/USDT")
    entry = QueueEntry.objects.get()
    sweep_queues.apply()  # free slots, but the breaker holds
    assert QueueEntry.objects.get().status == "queued"
    for action in ("promote", "force-add"):
        response = api.post(f"{URL}/{entry.pk}/{action}")
        assert response.status_code == 409
        assert response.json()["code"] == "circuit_breaker"
        assert "daily loss limit is reached" in response.json()["detail"]
    assert QueueEntry.objects.get().status == "queued"


def test_a_reset_lifts_the_breaker_and_the_queue_moves(tripped, api):
    tripped.signal(price="100", symbol="ETH/USDT")
    response = api.post(f"{URL}/circuit-breaker/reset")
    assert response.status_code == 200, response.json()
    breaker = response.json()["circuit_breaker"]
    assert (breaker["tripped"], breaker["realized_today"]) == (False, "0")  # losses count from now
    assert QueueEntry.objects.get().status == "promoted"
    assert PositionGroup.objects.filter(symbol="ETH/USDT").exists()
    audit = AuditLog.objects.get(action="queue.circuit_breaker_reset")
    assert audit.owner == tripped.user and audit.changes["loss_breaker_reset_at"][0] is None


def test_after_a_reset_new_entries_open_again(tripped, api):
    api.post(f"{URL}/circuit-breaker/reset")
    opened = tripped.signal(price="100", symbol="ETH/USDT")
    assert (opened.status, opened.classification) == ("processed", "entry")
