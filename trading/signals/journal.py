"""A webhook refusal told in the trader's log (trading/runtime/journal.py): TradingView never
shows the webhook's answer, so the trader's Logs page says which alert was refused and why.
Accepted signals are told by the engine once it has acted on them (trading/queue)."""

from __future__ import annotations

import logging

from notifications.services.notify import notify
from trading.runtime.journal import trade_log
from trading.signals.models import Signal


def refusal_told(signal: Signal) -> None:
    what = " ".join(part for part in (signal.side, signal.symbol, signal.timeframe) if part) or "an alert"
    code = f" ({signal.reason_code})" if signal.reason_code else ""
    notify(
        signal.user_id,
        "signal_refused",
        title=f"Signal refused: {what}",
        message=f"The webhook refused the alert for {what}{code}: {signal.reason}",
        link=f"/signals/{signal.pk}",
        data={"signal_id": str(signal.pk), "reason_code": signal.reason_code},
    )
    trade_log(
        signal.user_id,
        f"Signal for {what} refused by the webhook{code}: {signal.reason}",
        level=logging.WARNING,
        signal_id=signal.pk,
        reason_code=signal.reason_code,
        field=signal.reason_field,
        symbol=signal.symbol,
    )
