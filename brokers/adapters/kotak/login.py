"""Kotak Neo's two-step login: `tradeApiLogin` (mobile number, UCC and a TOTP computed from the
stored secret) gives a view token and sid; `tradeApiValidate` (MPIN) gives the session token, the
sid, the server id and the base URL for trading. No one types a code: the TOTP comes from pyotp."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pyotp

from brokers.errors import AuthenticationFailed

from .credentials import KotakCredentials
from .transport import KotakTransport

LOGIN_PATH = "login/1.0/tradeApiLogin"
VALIDATE_PATH = "login/1.0/tradeApiValidate"


@dataclass(frozen=True, repr=False)
class KotakSession:
    token: str  # the session ("edit") token, sent as `Auth`
    sid: str
    server_id: str  # `hsServerId`, sent as the `sId` query parameter
    base_url: str  # where the trading paths live for this account

    def __repr__(self) -> str:
        return "KotakSession(<hidden>)"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> KotakSession | None:
        try:
            return cls(
                token=str(value["token"]),
                sid=str(value["sid"]),
                server_id=str(value.get("server_id", "")),
                base_url=str(value["base_url"]),
            )
        except (KeyError, TypeError):
            return None  # an old or foreign shape: log in again


def login(
    transport: KotakTransport, *, credentials: KotakCredentials, login_base_url: str, neo_fin_key: str
) -> KotakSession:
    """A fresh session; AuthenticationFailed (with Kotak's reason, never a secret) if refused."""
    root = login_base_url.rstrip("/")
    headers = {
        "Authorization": credentials.consumer_key,
        "neo-fin-key": neo_fin_key,
        "Content-Type": "application/json",
        "accept": "application/json",
    }
    try:
        totp = pyotp.TOTP(credentials.totp_secret).now()
    except (ValueError, TypeError):
        raise AuthenticationFailed(
            "The TOTP secret is not valid: use the base32 key shown at the authenticator set-up",
            exchange=transport.exchange_id,
        ) from None
    body = {"mobileNumber": credentials.mobile_number, "ucc": credentials.ucc, "totp": totp}
    view = _data(transport.login_call(f"{root}/{LOGIN_PATH}", headers=headers, body=body))
    validate_headers = {**headers, "sid": str(view.get("sid", "")), "Auth": str(view.get("token", ""))}
    mpin = {"mpin": credentials.mpin}
    data = _data(transport.login_call(f"{root}/{VALIDATE_PATH}", headers=validate_headers, body=mpin))
    session = KotakSession(
        token=str(data.get("token", "")),
        sid=str(data.get("sid", "")),
        server_id=str(data.get("hsServerId", "")),
        base_url=str(data.get("baseUrl") or root),
    )
    if not session.token or not session.sid:
        raise AuthenticationFailed("Kotak Neo's login answer had no session", exchange=transport.exchange_id)
    return session


def _data(answer: dict[str, Any]) -> dict[str, Any]:
    data = answer.get("data")
    return data if isinstance(data, dict) else {}
