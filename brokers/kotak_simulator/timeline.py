"""Moving the simulator to a moment: every market event between the last moment handled and now,
in order (the open with its after-market orders, price steps, the 15:20 IST MIS square-off, the
close), so a clock that jumps a night or a holiday ends in the same state as one that ticked."""

from __future__ import annotations

from datetime import date, time

from .engine import Engine
from .orders import AMO_RECEIVED, OPEN, TRIGGER_PENDING
from .wire import to_ms, utc

SQUARE_OFF = time(15, 20)


class Timeline:
    def __init__(self, engine: Engine, start_ms: int) -> None:
        self.engine = engine
        self.calendar = engine.calendar
        self.market = engine.market
        self.cursor_ms = start_ms
        self._squared_off: date | None = None  # the day whose MIS square-off ran
        session = self.calendar.session(self.calendar.today(utc(start_ms)))
        if session is not None and session.open <= utc(start_ms) < session.close:
            self.cursor_ms = to_ms(session.open)  # walk today's session up to now, candles included

    def advance(self, now_ms: int) -> None:
        while self.cursor_ms <= now_ms:
            at = utc(self.cursor_ms)
            session = self.calendar.session(self.calendar.today(at))
            if session is None or not session.open <= at < session.close:
                next_open = to_ms(self.calendar.next_open(at))
                if next_open > now_ms:
                    self.cursor_ms = max(self.cursor_ms, now_ms)
                    return
                self.cursor_ms = next_open
                continue
            if self.market.session_day != session.day:
                self._open(session.day)
            open_ms, close_ms = to_ms(session.open), to_ms(session.close)
            square_ms = to_ms(self.calendar.at_ist(session.day, SQUARE_OFF))
            step = self.market.step_ms
            next_step = open_ms + ((self.cursor_ms - open_ms) // step + 1) * step
            moment = min(next_step, close_ms)
            if self._squared_off != session.day:
                moment = min(moment, square_ms)
            if moment > now_ms:
                return
            self.cursor_ms = moment
            if moment == close_ms:
                self._close(session.day)
                continue
            if moment == next_step:
                self.market.step(moment)
                self.engine.match_all(moment)
            if moment == square_ms and self._squared_off != session.day:
                self._squared_off = session.day
                self.engine.square_off_mis(moment)

    def _open(self, day: date) -> None:
        at_ms = self.cursor_ms
        self.market.open_day(day, at_ms)
        for account in self.engine.accounts.values():
            account.positions.clear()  # positions are today's
            for order in account.live_orders():
                if order.status == AMO_RECEIVED:  # sent to the exchange at the open
                    order.status = TRIGGER_PENDING if order.trigger else OPEN
                    order.history.append({"status": order.status, "reason": "", "at_ms": at_ms})
                    self.engine.match(account, order, at_ms, at_market=True)

    def _close(self, day: date) -> None:
        self.engine.expire_day_orders(self.cursor_ms)
        self.market.close_day(day)
