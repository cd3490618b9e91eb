"""What the notification services refuse, in words a user understands (the API answers 409)."""

from __future__ import annotations


class NotificationConflict(Exception):
    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
