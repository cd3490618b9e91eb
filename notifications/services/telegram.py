"""The Telegram Bot API, as far as notifications need it: `sendMessage`.

`POST {TELEGRAM_API_URL}/bot{token}/sendMessage {chat_id, text}` over httpx, with a keep-alive
client per thread (one TLS handshake per worker thread, not per message). Answers map to
outcomes: 200 sent; 429 retry after the `parameters.retry_after` Telegram names; 5xx, timeouts and
connection errors retry with backoff; any other 4xx (chat not found, bot blocked) fails for good.

Sends are paced fleet-wide at NOTIFY_TELEGRAM_RATE per second (a token bucket in Redis, the
exchanges' limiter in brokers/ratelimit.py): a tick that notifies a thousand chats spreads over
the bot's allowance instead of collecting a thousand 429s. The token never appears in a log line
or an error stored on a delivery.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

import httpx
from django.conf import settings

from brokers.errors import RateLimited
from brokers.ratelimit import Throttle

from .outcome import Failed, Outcome, Retry, Sent

logger = logging.getLogger(__name__)

# Telegram refuses longer texts (400 "message is too long").
MAX_TEXT = 4096
# How long a sender may wait for the bucket before the delivery is rescheduled instead.
MAX_PACING_WAIT_SECONDS = 2.0

_local = threading.local()


def configured() -> bool:
    return bool(settings.TELEGRAM_BOT_TOKEN)


def send_message(*, chat_id: int | str, text: str) -> Outcome:
    """Send `text` to `chat_id` once; the caller decides what the outcome means for the delivery."""
    token = settings.TELEGRAM_BOT_TOKEN
    if not token:
        return Failed("Telegram is not configured on this server (TELEGRAM_BOT_TOKEN)")
    try:
        _throttle().wait()
    except RateLimited as exc:
        return Retry("paced: the bot's sending rate is used up", after=float(exc.retry_after or 1.0))
    url = f"{settings.TELEGRAM_API_URL}/bot{token}/sendMessage"
    body = {"chat_id": chat_id, "text": text[:MAX_TEXT], "disable_web_page_preview": True}
    try:
        response = _client().post(url, json=body)
    except httpx.TimeoutException as exc:
        return Retry(_scrub(f"timeout: {type(exc).__name__}", token))
    except httpx.HTTPError as exc:
        return Retry(_scrub(f"connection: {type(exc).__name__}: {exc}", token))
    return outcome_of(
        response.status_code, _json(response), retry_after_header=response.headers.get("Retry-After")
    )


def outcome_of(status: int, answer: dict[str, Any], *, retry_after_header: str | None = None) -> Outcome:
    """A Bot API answer as an outcome."""
    description = str(answer.get("description") or "")[:300]
    error = f"{status} {description}".strip()
    if status == 429:
        parameters = answer.get("parameters") if isinstance(answer.get("parameters"), dict) else {}
        wait = _seconds(parameters.get("retry_after")) or _seconds(retry_after_header) or 1.0
        return Retry(error, after=wait)
    if status >= 500:
        return Retry(error)
    if status >= 400 or not answer.get("ok", status == 200):
        return Failed(error)
    return Sent()


def _seconds(value: Any) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds > 0 else None


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _scrub(text: str, token: str) -> str:
    return text.replace(token, "<token>")[:500]


def _client() -> httpx.Client:
    """This thread's client (a forked worker process builds its own: sockets are not shared)."""
    client: httpx.Client | None = getattr(_local, "client", None)
    if client is None or getattr(_local, "pid", None) != os.getpid():
        client = httpx.Client(timeout=settings.NOTIFY_TELEGRAM_TIMEOUT_SECONDS)
        _local.client, _local.pid = client, os.getpid()
    return client


def forget_clients() -> None:
    """Close this thread's client (tests that point TELEGRAM_API_URL at a new fake)."""
    client = getattr(_local, "client", None)
    if client is not None:
        client.close()
    _local.client = None


def _throttle() -> Throttle:
    rate = float(settings.NOTIFY_TELEGRAM_RATE)
    return Throttle(
        bucket="telegram:send",
        block="telegram",
        rate=rate,
        capacity=max(1.0, rate),
        max_wait=MAX_PACING_WAIT_SECONDS,
        exchange="telegram",
    )
