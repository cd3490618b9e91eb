"""The dashboard's windows: how far back, and how wide each point's step is. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Window:
    name: str
    step: timedelta
    points: int

    @property
    def span(self) -> timedelta:
        return self.step * self.points

    def steps(self, now: datetime) -> list[datetime]:
        """The start of every step, oldest first; the last one holds `now`."""
        seconds = int(self.step.total_seconds())
        epoch = int(now.timestamp())
        last = now - timedelta(seconds=epoch % seconds, microseconds=now.microsecond)
        return [last - self.step * i for i in range(self.points - 1, -1, -1)]


WINDOWS: dict[str, Window] = {
    "hour": Window("hour", timedelta(minutes=1), 60),
    "day": Window("day", timedelta(minutes=5), 288),
    "week": Window("week", timedelta(hours=1), 168),
}
