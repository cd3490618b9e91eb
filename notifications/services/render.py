"""The words of an outbound message: one notification, or a batch of them as one message listing
each (a burst of fills, or what quiet hours held back)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

from notifications import types as catalogue
from notifications.models import Notification

# A batch lists at most this many, in at most this many characters, and counts the rest: the
# message stays readable and fits Telegram's 4096 with its subject, the "more" line and the footer.
MAX_LISTED = 30
MAX_LIST_CHARS = 3500
MAX_LINE_CHARS = 400


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
    lines: list[str] = []
    used = 0
    previous_link = ""
    for n in notifications[:MAX_LISTED]:
        # A burst of one position's fills shares its link: printed once, on its first line.
        line = _listed(n, with_link=n.link != previous_link)
        if used + len(line) + 1 > MAX_LIST_CHARS:
            break
        lines.append(line)
        used += len(line) + 1
        previous_link = n.link
    if count > len(lines):
        lines.append(f"… and {count - len(lines)} more: {absolute_link('/notifications')}")
    lines += ["", _footer()]
    return Rendered(subject=_prefix(worst) + subject, body="\n".join(lines))


def _listed(n: Notification, *, with_link: bool = True) -> str:
    """One notification's line in a batch: title, message (cut when long) and link (unless the
    line before has the same)."""
    text = f"{n.title}: {n.message}" if n.message else n.title
    link = f" ({absolute_link(n.link)})" if n.link and with_link else ""
    room = MAX_LINE_CHARS - len(link) - 2
    if len(text) > room:
        text = text[: room - 1].rstrip() + "…"
    return f"• {text}{link}"


def _prefix(level: str) -> str:
    return "" if level == catalogue.INFO else f"[{level.upper()}] "


def _footer() -> str:
    return f"Tradefleet · notification settings: {absolute_link('/notifications/settings')}"
