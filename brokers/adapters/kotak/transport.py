"""HTTP to Kotak Neo with `requests`: one pooled session per adapter, a timeout on every call,
and every failure turned into a `brokers.errors` exception whose message holds no secret (no
header, token or body of ours is ever logged or quoted)."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import requests

from brokers.errors import AuthenticationFailed, BrokerError, ExchangeUnavailable, RateLimited

from .answers import (
    SESSION_FAULT_CODES,
    SessionExpired,
    broker_message,
    fault_code,
    is_refusal,
    is_session_refusal,
    refusal_error,
)

logger = logging.getLogger(__name__)
UNKNOWN_OUTCOME = "Kotak Neo did not answer ({reason}); the outcome of the request is unknown"


class KotakTransport:
    def __init__(self, *, exchange_id: str, timeout: float) -> None:
        self.exchange_id = exchange_id
        self.timeout = timeout
        self.http = requests.Session()

    def close(self) -> None:
        self.http.close()

    def call(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        params: dict[str, str] | None = None,
        json_body: dict[str, Any] | None = None,
        jdata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The answer of a JSON endpoint; raises on anything but success. `jdata` is sent as
        Kotak's form field `jData=<json>`."""
        response = self._send(method, url, headers=headers, params=params, json_body=json_body, jdata=jdata)
        body = _json(response)
        if is_session_refusal(response.status_code, body):
            raise SessionExpired("The Kotak Neo session was refused", exchange=self.exchange_id)
        if is_refusal(body) or response.status_code >= 400 or not isinstance(body, dict):
            raise refusal_error(broker_message(body), exchange=self.exchange_id)
        return body

    def login_call(self, url: str, *, headers: dict[str, str], body: dict[str, str]) -> dict[str, Any]:
        """A login step: a refusal (HTTP 401 with Kotak's reason, or the gateway's 900901 for an
        unknown consumer key) is AuthenticationFailed, never a session to renew."""
        response = self._send("POST", url, headers=headers, json_body=body)
        answer = _json(response)
        if response.status_code >= 400 or is_refusal(answer):
            if fault_code(answer) in SESSION_FAULT_CODES:
                raise AuthenticationFailed("Kotak Neo refused the consumer key", exchange=self.exchange_id)
            reason = broker_message(answer) or f"HTTP {response.status_code}"
            raise AuthenticationFailed(f"Kotak Neo refused the login: {reason}", exchange=self.exchange_id)
        return answer if isinstance(answer, dict) else {}

    def text(self, url: str, *, headers: dict[str, str]) -> str:
        """A plain-text document (the scrip master CSV)."""
        response = self._send("GET", url, headers=headers)
        if response.status_code >= 400:
            if is_session_refusal(response.status_code, _json(response)):
                raise SessionExpired("The Kotak Neo session was refused", exchange=self.exchange_id)
            raise BrokerError(f"Kotak Neo answered HTTP {response.status_code}", exchange=self.exchange_id)
        return response.text

    def _send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        params: dict[str, str] | None = None,
        json_body: dict[str, Any] | None = None,
        jdata: dict[str, Any] | None = None,
    ) -> requests.Response:
        data = None if jdata is None else {"jData": json.dumps(jdata, default=_plain)}
        path = urlsplit(url).path
        try:
            response = self.http.request(
                method, url, headers=headers, params=params, json=json_body, data=data, timeout=self.timeout
            )
        except requests.Timeout:
            raise ExchangeUnavailable(
                UNKNOWN_OUTCOME.format(reason="timeout"), exchange=self.exchange_id
            ) from None
        except requests.RequestException:
            # The exception's text holds the URL and may hold more: never quote it.
            raise ExchangeUnavailable(
                UNKNOWN_OUTCOME.format(reason="connection failed"), exchange=self.exchange_id
            ) from None
        logger.debug("kotak %s %s -> %s", method, path, response.status_code)
        if response.status_code == 429:
            raise RateLimited(
                "Kotak Neo asked us to slow down",
                exchange=self.exchange_id,
                retry_after=_retry_after(response),
            )
        if response.status_code >= 500:
            raise ExchangeUnavailable(
                UNKNOWN_OUTCOME.format(reason=f"HTTP {response.status_code}"), exchange=self.exchange_id
            )
        return response


def _json(response: requests.Response) -> Any:
    try:
        body = json.loads(response.text, parse_float=Decimal) if response.text.strip() else {}
    except ValueError:
        return {}
    return {"data": body} if isinstance(body, list) else body


def _retry_after(response: requests.Response) -> float:
    try:
        return max(float(response.headers.get("Retry-After", "1")), 0.0)
    except ValueError:
        return 1.0


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot send {type(value).__name__}")
