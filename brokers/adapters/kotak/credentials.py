"""What logs a Kotak Neo account in. Nothing here is ever shown: the repr names the class only."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, repr=False)
class KotakCredentials:
    consumer_key: str  # the "API access token" of the Neo app, sent as `Authorization` at login
    consumer_secret: str  # kept for the account form; the TOTP login does not send it
    mobile_number: str  # with +91, as Kotak expects it
    ucc: str  # the client code
    mpin: str
    totp_secret: str  # base32, from the authenticator set-up

    def __repr__(self) -> str:
        return "KotakCredentials(<hidden>)"

    __str__ = __repr__

    def secrets(self) -> tuple[str, ...]:
        """Every value that must never reach a log or a message (tests scan for them)."""
        values = (self.consumer_key, self.consumer_secret, self.mpin, self.totp_secret)
        return tuple(v for v in values if v)
