"""What one attempt to hand a message to a provider (SMTP server, Telegram) came to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sent:
    """The provider accepted the message."""


@dataclass(frozen=True)
class Retry:
    """A transient failure (5xx, timeout, connection) or a rate limit: try again later. `after` is
    the wait the provider asked for (Telegram's `retry_after`); None means exponential backoff."""

    error: str
    after: float | None = None


@dataclass(frozen=True)
class Failed:
    """The provider refused the message for good (4xx): retrying would be refused the same way."""

    error: str


Outcome = Sent | Retry | Failed
