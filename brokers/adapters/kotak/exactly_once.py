"""Finding the order an attempt placed, so a retry never places a second one.

Before each placement the adapter writes an *attempt* to the session store: the client order id,
the order's tag, what it buys or sells and when it started. After an unknown outcome (timeout,
5xx, lost answer) the caller looks the order up by its client order id:
1. by the tag (`ig`) when the order book echoes it;
2. otherwise by what the attempt placed: same trading symbol, side, quantity and product,
   entered within the attempt's window, and not already claimed by another attempt.
The second way cannot tell apart two identical orders entered in the same window from outside
Tradefleet (docs/user-guide/kotak-neo.md says so)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from .numbers import amount, ist_time
from .orders import product_of, side_of
from .session_store import SessionStore

# Kotak documents no limit for the tag; the simulator takes 20 of [A-Za-z0-9_-] (wire doc), and
# our client order ids are 34 (`tf` + uuid hex), so a longer id is shortened by a hash. Kotak also
# refuses a tag used twice in a day, which stops a blind re-placement of the same order.
TAG_MAX_LENGTH = 20
# Kotak echoes the tag as `GuiOrdId` (made up when there is none), and rewrites it to
# `<tag>-<epoch>` on cancel and to a made-up id on modify.
TAG_FIELD = "GuiOrdId"
# A tag as we set it (letters and digits only), possibly with the `-<epoch>` a cancel appends;
# made-up ids (`<epoch>-<micro>-<UCC>-ADMINAPI`, `SMCS_xcwl...`) never look like this.
_TAG_ON_ROW = re.compile(rf"^([A-Za-z0-9]{{1,{TAG_MAX_LENGTH}}})(?:-\d+)?$")
ATTEMPT_TTL = 3 * 24 * 3600
# How far the broker's order time may sit before our clock's start of the attempt (clock skew),
# and how long after it an order still belongs to the attempt (the request timeout plus skew).
CLOCK_SKEW = timedelta(seconds=60)


def tag_for(client_order_id: str) -> str:
    """The client order id itself when it fits; else its first 4 characters (so a person can
    still tell our orders apart in Kotak's app) and 16 hex digits of its SHA-256, unique and
    the same on every retry."""
    plain = re.sub(r"[^A-Za-z0-9]", "", client_order_id)
    if len(plain) <= TAG_MAX_LENGTH and plain == client_order_id:
        return plain
    return plain[:4] + hashlib.sha256(client_order_id.encode()).hexdigest()[: TAG_MAX_LENGTH - 4]


def tag_of(row: dict[str, Any]) -> str:
    """The tag an order was placed with, when it is still on the row ('' otherwise)."""
    match = _TAG_ON_ROW.match(str(row.get(TAG_FIELD) or "").strip())
    return match.group(1) if match else ""


@dataclass(frozen=True)
class Attempt:
    client_order_id: str
    tag: str
    exchange_symbol: str
    side: str  # B/S
    quantity: Decimal
    product: str
    started_at: datetime
    timeout: float
    order_id: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "client_order_id": self.client_order_id,
            "tag": self.tag,
            "exchange_symbol": self.exchange_symbol,
            "side": self.side,
            "quantity": str(self.quantity),
            "product": self.product,
            "started_at": self.started_at.isoformat(),
            "timeout": str(self.timeout),
            "order_id": self.order_id,
        }

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> Attempt:
        return cls(
            client_order_id=value["client_order_id"],
            tag=value["tag"],
            exchange_symbol=value["exchange_symbol"],
            side=value["side"],
            quantity=Decimal(value["quantity"]),
            product=value["product"],
            started_at=datetime.fromisoformat(value["started_at"]),
            timeout=float(value["timeout"]),
            order_id=value.get("order_id", ""),
        )

    def window(self) -> tuple[datetime, datetime]:
        return self.started_at - CLOCK_SKEW, self.started_at + timedelta(seconds=self.timeout) + CLOCK_SKEW

    def matches(self, row: dict[str, Any]) -> bool:
        entered = ist_time(row.get("ordDtTm"))
        start, end = self.window()
        return (
            str(row.get("trdSym", "")).upper() == self.exchange_symbol.upper()
            and ("B" if side_of(row).value == "buy" else "S") == self.side
            and amount(row.get("qty")) == self.quantity
            and product_of(row).value == self.product
            and entered is not None
            and start <= entered <= end
        )


class AttemptBook:
    """The attempts and the order ids they own, in the account's session store."""

    def __init__(self, store: SessionStore, prefix: str) -> None:
        self.store = store
        self.prefix = prefix

    def _attempt_key(self, client_order_id: str) -> str:
        return f"{self.prefix}:attempt:{tag_for(client_order_id)}"

    def _owner_key(self, order_id: str) -> str:
        return f"{self.prefix}:order:{order_id}"

    def begin(self, attempt: Attempt) -> None:
        self.store.set(self._attempt_key(attempt.client_order_id), attempt.as_dict(), ATTEMPT_TTL)

    def get(self, client_order_id: str) -> Attempt | None:
        value = self.store.get(self._attempt_key(client_order_id))
        return None if value is None else Attempt.from_dict(value)

    def bind(self, attempt: Attempt, order_id: str) -> None:
        """The attempt placed `order_id`: no other attempt may claim it."""
        self.store.set(self._owner_key(order_id), {"client_order_id": attempt.client_order_id}, ATTEMPT_TTL)
        bound = Attempt(**{**attempt.__dict__, "order_id": order_id})
        self.store.set(self._attempt_key(attempt.client_order_id), bound.as_dict(), ATTEMPT_TTL)

    def owner(self, order_id: str) -> str:
        value = self.store.get(self._owner_key(order_id))
        return "" if value is None else str(value.get("client_order_id", ""))

    def find(self, attempt: Attempt, rows: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
        """The attempt's order among the book's rows: by the tag if echoed, else by its shape
        (the earliest unclaimed match)."""
        rows = list(rows)
        for row in rows:
            if attempt.order_id and str(row.get("nOrdNo")) == attempt.order_id:
                return row
        for row in rows:
            if tag_of(row) == attempt.tag:
                return row
        # A row with another tag is another attempt's; an untagged one (made-up id) may be ours.
        candidates = [
            row
            for row in rows
            if not tag_of(row)
            and attempt.matches(row)
            and self.owner(str(row.get("nOrdNo"))) in ("", attempt.client_order_id)
        ]
        candidates.sort(key=lambda row: (ist_time(row.get("ordDtTm")), str(row.get("nOrdNo"))))
        return candidates[0] if candidates else None
