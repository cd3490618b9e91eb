"""What the engine did with a signal, told in the trader's log (trading/runtime/journal.py):
accepted as an entry, a pyramid, an exit, a reduce or a reverse (with the position), queued or
left the queue, refused by the engine (with the reason), or ignored as a duplicate.

Refusals at the webhook itself (a bad body, an unknown account: 400/422) are told by
trading/signals, which answers them; these lines are for signals the engine processed.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from notifications.services.notify import notify
from trading.positions.journal import position_label, quote_of
from trading.positions.models import PositionGroup
from trading.queue.models import QueueEntry, QueueStatus
from trading.runtime.journal import amount, trade_log
from trading.signals.models import Classification, Signal, SignalStatus


def signal_label(signal: Signal) -> str:
    """The key the signal is for: `long BTC/USDT 1h`."""
    return " ".join(part for part in (signal.side, signal.symbol, signal.timeframe) if part)


def _context(signal: Signal, group: PositionGroup | None) -> dict[str, Any]:
    return {
        "signal_id": signal.pk,
        "position_id": group.pk if group is not None else signal.position_group_id,
        "symbol": signal.symbol,
        "timeframe": signal.timeframe,
        "side": signal.side,
        "intent": signal.intent_type,
        "status": signal.status,
        "classification": signal.classification,
    }


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?")) else f"{text}."


def _lower_first(text: str) -> str:
    return f"{text[:1].lower()}{text[1:]}"


def grid_detail(*, price: Decimal, orders: int, capital: Decimal, group: PositionGroup) -> str:
    """What an entry or a pyramid placed: `at 100 with 3 orders for 1000 USDT`."""
    plural = "" if orders == 1 else "s"
    return f"at {amount(price)} with {orders} order{plural} for {amount(capital)} {quote_of(group)}".rstrip()


def signal_outcome_log(
    signal: Signal, *, group: PositionGroup | None = None, detail: str = "", **extra: Any
) -> None:
    """The line of a signal the engine has just finished (`processing._finish`). Queued
    signals are told by `queued_log`, which knows their place in the queue."""
    status, kind = signal.status, signal.classification
    context = {**_context(signal, group), **extra}
    key = signal_label(signal)
    reason = _sentence(signal.reason)
    if status == SignalStatus.REJECTED:
        what = f"{signal.intent_type} signal" if signal.intent_type not in ("", "signal") else "Signal"
        trade_log(
            signal.user_id,
            f"{what[:1].upper()}{what[1:]} for {key} refused by the engine: {reason}",
            level=logging.WARNING,
            reason=signal.reason,
            **context,
        )
        return
    if status == SignalStatus.DUPLICATE:
        trade_log(signal.user_id, f"Signal for {key} ignored as a duplicate: {reason}", **context)
        return
    if status != SignalStatus.PROCESSED:
        return
    label = position_label(group) if group is not None else key
    if kind == Classification.ENTRY:
        message = f"Signal accepted as an entry: opened {label} {detail}.".replace(" .", ".")
    elif kind == Classification.PYRAMID:
        index = group.pyramid_count if group is not None else "?"
        message = f"Signal accepted as pyramid {index}: added to {label} {detail}.".replace(" .", ".")
    elif kind == Classification.EXIT:
        message = (
            f"Exit signal accepted: closing {label}."
            if group is not None
            else f"Exit signal accepted for {key}: {_lower_first(reason)}"
        )
    elif kind == Classification.REDUCE:
        message = f"Reduce signal accepted: selling {detail} of {label} at market."
    elif kind == Classification.REVERSE:
        message = (
            f"Reverse signal accepted: closing {label}{'; ' + detail if detail else ''}."
            if group is not None
            else f"Reverse signal for {key} accepted: {_lower_first(reason)}"
        )
    else:
        message = f"Signal for {key} processed ({kind}). {reason}".strip()
    if reason and kind in (Classification.ENTRY, Classification.PYRAMID):
        message = f"{message} {reason}"  # a promotion from the queue says how it opened
    trade_log(signal.user_id, message, **context)
    if kind == Classification.ENTRY and group is not None:
        notify(
            signal.user_id,
            "position_opened",
            title=f"Position opened: {label}",
            message=message,
            link=f"/positions/{group.pk}",
            data={"position_id": str(group.pk), "signal_id": str(signal.pk)},
        )


def queued_log(
    signal: Signal, *, entry: QueueEntry, rank: int | None, total: int, cause: str, replaced: bool
) -> None:
    """A signal that waits in the execution queue, or replaced the one waiting for its key."""
    key = signal_label(signal)
    where = f"rank {rank} of {total}" if rank is not None else f"one of {total}"
    if replaced:
        head = f"Signal for {key} replaced the queued one (replacement {entry.replacement_count}), at {where}"
    else:
        head = f"Signal for {key} queued at {where}"
    message = f"{head}: {_lower_first(_sentence(cause))}"
    trade_log(
        signal.user_id,
        message,
        **{**_context(signal, entry.group), "status": "queued"},
        queue_entry_id=entry.pk,
        rank=rank,
        queued=total,
        cause=cause,
    )
    notify(
        signal.user_id,
        "signal_queued",
        title=f"Signal queued: {key}",
        message=message,
        link="/queue",
        data={"signal_id": str(signal.pk), "queue_entry_id": str(entry.pk), "rank": rank},
    )


def queue_promoted_told(entry: QueueEntry, group: PositionGroup) -> None:
    """A queued entry promoted into the pool (`promote.promote_entry`). Its trade-journal line is
    the signal's own ("Signal accepted as an entry: ... Opened from the queue ..."); the trader
    is also told the queue moved, with the position it opened or added to."""
    label = position_label(group)
    notify(
        entry.user_id,
        "queue_promoted",
        title=f"Queued signal promoted: {label}",
        message=f"The queued signal for {label} left the queue: {_lower_first(_sentence(entry.reason))}",
        link=f"/positions/{group.pk}",
        data={
            "queue_entry_id": str(entry.pk),
            "signal_id": str(entry.signal_id) if entry.signal_id else None,
            "position_id": str(group.pk),
            "promoted_by": entry.promoted_by,
        },
    )


def queue_left_log(entry: QueueEntry, *, reason: str) -> None:
    """An entry leaves the queue without trading: removed, cancelled by an exit, failed to open."""
    failed = entry.status == QueueStatus.FAILED
    verb = {
        QueueStatus.FAILED: "could not open",
        QueueStatus.CANCELLED: "was cancelled",
        QueueStatus.REMOVED: "was removed from the queue",
    }.get(entry.status, "left the queue")
    trade_log(
        entry.user_id,
        f"Queued signal for {entry.side} {entry.symbol} {entry.timeframe} {verb}: {_sentence(reason)}",
        level=logging.WARNING if failed else logging.INFO,
        queue_entry_id=entry.pk,
        signal_id=entry.signal_id,
        position_id=entry.group_id,
        symbol=entry.symbol,
        timeframe=entry.timeframe,
        side=entry.side,
        status=entry.status,
        reason=reason,
    )
