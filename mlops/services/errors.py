"""The ML services' refusals that are about state, not input (the API answers 409 with `code`)."""

from __future__ import annotations


class MLConflict(Exception):
    """The job's or the registry's state does not allow this; `code` says why."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
