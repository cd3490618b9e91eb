"""Fixtures of the notifications tests: a local SMTP server (aiosmtpd), a local fake of the
Telegram Bot API, eager Celery, a record of the delivery tasks sent, and a listener on a user's
live events."""

from __future__ import annotations

import email
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from config.celery import app as celery_app
from notifications.models import NotificationPreference
from notifications.services import telegram
from notifications.services.notify import DELIVER_TASK
from notifications.services.preferences import preferences_forget
from tests.notifications.fake_telegram import FakeTelegram

CHAT_ID = 424242


@pytest.fixture(autouse=True)
def _fresh_notification_state() -> Iterator[None]:
    preferences_forget()
    telegram.forget_clients()
    yield
    preferences_forget()
    telegram.forget_clients()


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Tasks run in the caller, as tests/mlops runs them: the worker's code path."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_eager_propagates = False


@pytest.fixture
def fake_telegram(settings: Any) -> Iterator[FakeTelegram]:
    with FakeTelegram() as bot:
        settings.TELEGRAM_BOT_TOKEN = bot.token
        settings.TELEGRAM_API_URL = bot.url
        settings.TELEGRAM_BOT_USERNAME = "tradefleet_test_bot"
        settings.TELEGRAM_WEBHOOK_SECRET = "hook-secret-123"
        settings.NOTIFY_TELEGRAM_RATE = 1000.0
        yield bot


@dataclass
class RecordingHandler:
    """aiosmtpd handler: keeps every message; answers RCPT or DATA with `refuse_*` when set."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse_rcpt: str = ""
    refuse_data: str = ""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_data:
            return self.refuse_data
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)  # type: ignore[arg-type]  # the default policy builds EmailMessage
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[RecordingHandler]:
    """A real SMTP server on localhost that Django's SMTP backend talks to (EMAIL_URL's settings)."""
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Tradefleet <alerts@tradefleet.test>"
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every delivery task sent, as {delivery_ids, countdown}; the task still runs (eager or not)."""
    from config.tasks import task_named

    task = task_named(DELIVER_TASK)
    original = task.apply_async
    sent: list[dict[str, Any]] = []

    def apply_async(*args: Any, **kwargs: Any) -> Any:
        sent.append({"delivery_ids": kwargs["kwargs"]["delivery_ids"], "countdown": kwargs.get("countdown")})
        return original(*args, **kwargs)

    monkeypatch.setattr(task, "apply_async", apply_async)
    return sent


@pytest.fixture
def link_telegram(fake_telegram: FakeTelegram) -> Callable[..., NotificationPreference]:
    """`link_telegram(user, **preferences)`: the user's chat linked as the link flow would."""

    def link(user: Any, **values: Any) -> NotificationPreference:
        prefs, _ = NotificationPreference.objects.update_or_create(
            user=user, defaults={"telegram_enabled": True, "telegram_chat_id": CHAT_ID, **values}
        )
        preferences_forget(user.pk)
        return prefs

    return link
