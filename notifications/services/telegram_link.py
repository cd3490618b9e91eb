"""Linking a Telegram chat to a user: a one-time code the user sends to the bot as `/start <code>`.

1. `telegram_link_start(user)`: a fresh code (the previous one stops working), valid for
   NOTIFY_TELEGRAM_LINK_MINUTES, and `https://t.me/<bot>?start=<code>` when the bot's username
   is known (opening it in Telegram sends exactly that message). Only the code's SHA-256 is stored.
2. Telegram delivers the message to our webhook (POST
   /api/v1/notifications/telegram/webhook/<TELEGRAM_WEBHOOK_SECRET>, registered once with the Bot
   API's setWebhook); `telegram_update_handle` finds the code, stores the chat id on the user's
   preferences, switches Telegram on, spends the code and answers in the chat.

A webhook rather than polling: no process has to hold a long poll open, and Telegram retries a
webhook it could not reach.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from auditlog.services import record
from notifications.models import NotificationPreference

from . import telegram
from .errors import NotificationConflict
from .outcome import Sent
from .preferences import preferences_forget

logger = logging.getLogger(__name__)

START = "/start"


@dataclass(frozen=True)
class TelegramLink:
    code: str
    expires_at: datetime
    bot_url: str | None


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def telegram_link_start(*, user: Any, request: HttpRequest | None = None) -> TelegramLink:
    """A new link code for `user` (see the module docstring)."""
    if not telegram.configured():
        raise NotificationConflict(
            "Telegram is not configured on this server.", code="telegram_not_configured"
        )
    code = secrets.token_urlsafe(16)  # 22 characters of [A-Za-z0-9_-]: what /start accepts
    expires_at = timezone.now() + timedelta(minutes=settings.NOTIFY_TELEGRAM_LINK_MINUTES)
    with transaction.atomic():
        prefs = NotificationPreference.objects.select_for_update().filter(user=user).first()
        prefs = prefs if prefs is not None else NotificationPreference(user=user)
        prefs.telegram_link_code_hash = _digest(code)
        prefs.telegram_link_expires_at = expires_at
        prefs.save()
        record(action="notifications.telegram_link_start", actor=user, resource=prefs, request=request)
    username = settings.TELEGRAM_BOT_USERNAME
    return TelegramLink(
        code=code,
        expires_at=expires_at,
        bot_url=f"https://t.me/{username}?start={code}" if username else None,
    )


def telegram_link_complete(*, code: str, chat_id: int) -> NotificationPreference | None:
    """Spend `code` on `chat_id`: the preferences it linked, or None for an unknown, used or
    expired code."""
    if not code or len(code) > 64:
        return None
    with transaction.atomic():
        prefs = (
            NotificationPreference.objects.select_for_update()
            .select_related("user")
            .filter(telegram_link_code_hash=_digest(code), telegram_link_expires_at__gt=timezone.now())
            .first()
        )
        if prefs is None:
            return None
        before = prefs.telegram_chat_id
        prefs.telegram_chat_id = chat_id
        prefs.telegram_enabled = True
        prefs.telegram_link_code_hash = None
        prefs.telegram_link_expires_at = None
        prefs.save()
        record(
            action="notifications.telegram_linked",
            owner=prefs.user,
            resource=prefs,
            changes={"telegram_chat_id": {"before": before, "after": chat_id}},
        )
    preferences_forget(prefs.pk)
    return prefs


def telegram_update_handle(update: Any) -> None:
    """One update from the webhook: `/start <code>` links the chat; anything else in a private
    chat gets a line on how to link. Answers go out after commit, best effort."""
    message = update.get("message") if isinstance(update, dict) else None
    if not isinstance(message, dict):
        return  # edits, channel posts, button presses: nothing for us
    chat = message.get("chat")
    text = message.get("text")
    if not isinstance(chat, dict) or not isinstance(text, str):
        return
    chat_id = chat.get("id")
    if not isinstance(chat_id, int) or isinstance(chat_id, bool):
        return
    command, _, argument = text.strip().partition(" ")
    if command.split("@", 1)[0] != START:  # `/start@bot_name code` in groups
        if chat.get("type") == "private":
            _reply(
                chat_id,
                "To get Tradefleet notifications here, open Notifications → Settings in "
                "Tradefleet, choose Link Telegram and send the /start message it shows.",
            )
        return
    code = argument.strip()
    prefs = telegram_link_complete(code=code, chat_id=chat_id) if code else None
    if prefs is not None:
        _reply(chat_id, f"Linked: Tradefleet notifications for {prefs.user.email} will arrive in this chat.")
    elif code:
        _reply(
            chat_id,
            "This link code is unknown, used or expired. Choose Link Telegram in Tradefleet for a new one.",
        )
    else:
        _reply(
            chat_id,
            "Send /start followed by the code Tradefleet shows under Notifications → Settings → "
            "Link Telegram.",
        )


def _reply(chat_id: int, text: str) -> None:
    def send() -> None:
        outcome = telegram.send_message(chat_id=chat_id, text=text)
        if not isinstance(outcome, Sent):
            logger.warning("could not answer Telegram chat %s: %s", chat_id, outcome)

    transaction.on_commit(send, robust=True)
