"""Live events of the risk engine, sent after commit to the owner's sockets only."""

from __future__ import annotations

from notifications.events import RISK_ACTION, publish
from trading.risk.models import RiskAction
from trading.runtime.event_values import plain, text


def risk_action_event(action: RiskAction) -> None:
    """What the risk engine just did: the loser closed and the winners that paid for it."""
    publish(
        action.user_id,
        RISK_ACTION,
        {
            "id": str(action.pk),
            "loser": text(action.loser_id),
            "symbol": action.symbol,
            "timeframe": action.timeframe,
            "loser_quantity": plain(action.loser_quantity),
            "loser_price": plain(action.loser_price),
            "loser_loss": plain(action.loser_loss),
            "loser_loss_percent": plain(action.loser_loss_percent),
            "required": plain(action.required),
            "covered": plain(action.covered),
            "fully_covered": action.fully_covered,
            "winners": action.winners,
            "trigger": action.trigger,
            "status": action.status,
            "created_at": action.created_at.isoformat(),
        },
    )
