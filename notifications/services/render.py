"""The words of an outbound message: one notification, or a batch of them as one message listing
each (a burst of fills, or what quiet hours held back)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

from notifications import types as catalogue
from notifications.models import Notification

# A batch lists this many and counts the rest: a message stays readable, Telegram's 4096 fit.
MAX_LISTED = 30


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str

    def as_chat_text(self) -> str:
        return f"{self.subject}\n\n{self.body}"


def absolute_link(link: str) -> str:
    if not link:
        return ""
    if link.startswith(("http://", "https://")):
        return link
    return f"{settings.PUBLIC_URL}/{link.lstrip('/')}"


def render(notifications: Sequence[Notification], *, released: bool = False) -> Rendered:
    """One message for one or more notifications of a user (oldest first)."""
    if not notifications:
        raise ValueError("nothing to render")
    if len(notifications) == 1 and not released:
        return _one(notifications[0])
    return _many(notifications, released=released)


def _one(n: Notification) -> Rendered:
    lines = [n.message] if n.message else []
    if n.link:
        lines.append(absolute_link(n.link))
    lines += ["", _footer()]
    return Rendered(subject=_prefix(n.level) + n.title, body="\n".join(lines).strip())


def _many(notifications: Sequence[Notification], *, released: bool) -> Rendered:
    count = len(notifications)
    kinds = {n.type for n in notifications}
    what = f": {catalogue.label_for(next(iter(kinds)))}" if len(kinds) == 1 else ""
    worst = max(notifications, key=lambda n: catalogue.LEVEL_RANK.get(n.level, 0)).level
    if released:
        subject = f"{count} notification{'s' if count != 1 else ''} from your quiet hours"
    else:
        subject = f"{count} notifications{what}"
    lines = []
    for n in notifications[:MAX_LISTED]:
        line = f"• {n.title}"
        if n.message:
            line += f": {n.message}"
        if n.link:
            line += f" ({absolute_link(n.link)})"
        lines.append(line)
    if count > MAX_LISTED:
        lines.append(f"… and {count - MAX_LISTED} more: {absolute_link('/notifications')}")
    lines += ["", _footer()]
    return Rendered(subject=_prefix(worst) + subject, body="\n".join(lines))


def _prefix(level: str) -> str:
    return "" if level == catalogue.INFO else f"[{level.upper()}] "


def _footer() -> str:
    return f"Tradefleet · notification settings: {absolute_link('/notifications/settings')}"
