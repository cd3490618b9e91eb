"""Kotak Neo's answers, read: success, a refusal in Kotak's words, an expired session, or an
outcome we cannot know. Kotak answers `{"stat": "Ok"|"Not_Ok", "stCode": ..., "emsg": ...}`; its
API gateway answers an expired or unknown token with a `900901` fault (invalid credentials /
invalid JWT) before the request reaches the broker."""

from __future__ import annotations

from typing import Any

from brokers.errors import AuthenticationFailed, BadSymbol, BrokerError, InsufficientFunds, InvalidOrder

# Gateway codes for a token that is missing, expired or unknown: log in again.
SESSION_FAULT_CODES = {"900901", "900902", "900903", "900904"}
_SESSION_WORDS = ("invalid jwt", "jwt expired", "invalid credentials", "invalid session", "session expired")
# Kotak's RMS words a refusal for lack of cash with these (e.g. "RMS:Margin Exceeds,Cash
# Available:...", "Insufficient funds").
_FUNDS_WORDS = ("insufficient", "margin exceed", "margin shortfall", "cash available", "not enough funds")
_SYMBOL_WORDS = (
    "invalid symbol",
    "invalid trading symbol",
    "scrip not found",
    "symbol not found",
    "invalid scrip",
    "invalid instrument",
)


class SessionExpired(AuthenticationFailed):
    """The session token was refused: the adapter logs in again once."""


def fault_code(body: Any) -> str:
    """The gateway's fault code, '' when there is none."""
    if not isinstance(body, dict):
        return ""
    fault = body.get("fault")
    if isinstance(fault, dict) and fault.get("code") is not None:
        return str(fault["code"])
    code = body.get("code")
    return str(code) if code is not None else ""


def broker_message(body: Any) -> str:
    """Kotak's own words for a refusal, verbatim."""
    if not isinstance(body, dict):
        return ""
    # Kotak's docs write `emsg`, its v2 gateway `errMsg`, the login endpoints `message`.
    for key in ("emsg", "errMsg", "message", "Error Message", "Error", "error"):
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return str(value[0].get("message", "")).strip()
    fault = body.get("fault")
    if isinstance(fault, dict):
        return str(fault.get("description") or fault.get("message") or "").strip()
    return ""


def is_session_refusal(status: int, body: Any) -> bool:
    """The gateway's 900901 (flat or under `fault`, string or number), Kotak's "Invalid
    session" (a sid that is not the token's), or HTTP 401/403 on a trading call."""
    if fault_code(body) in SESSION_FAULT_CODES:
        return True
    text = broker_message(body).lower()
    return status in (401, 403) or any(word in text for word in _SESSION_WORDS)


def is_refusal(body: Any) -> bool:
    return isinstance(body, dict) and str(body.get("stat", "")).lower() == "not_ok"


def refusal_error(message: str, *, exchange: str) -> BrokerError:
    """The error a refusal becomes; the message is Kotak's, verbatim, for the trader to read."""
    text = message.lower()
    if any(word in text for word in _FUNDS_WORDS):
        return InsufficientFunds(message, exchange=exchange)
    if any(word in text for word in _SYMBOL_WORDS):
        return BadSymbol(message, exchange=exchange)
    return InvalidOrder(message or "Kotak Neo refused the request", exchange=exchange)
