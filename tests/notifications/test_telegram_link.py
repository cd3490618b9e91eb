"""Linking a Telegram chat: a one-time code from the API, `/start <code>` sent to the bot, and the
webhook that stores the chat and answers in it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from auditlog.models import AuditLog
from notifications.models import NotificationPreference

pytestmark = pytest.mark.django_db

LINK = "/api/v1/notifications/telegram/link"
WEBHOOK = "/api/v1/notifications/telegram/webhook/{secret}"


def update(text, *, chat_id=777, chat_type="private"):
    return {
        "update_id": 1,
        "message": {"message_id": 5, "chat": {"id": chat_id, "type": chat_type}, "text": text, "date": 0},
    }


@pytest.fixture
def post_update(anon, fake_telegram, django_capture_on_commit_callbacks):
    def post(body, *, secret=None):
        with django_capture_on_commit_callbacks(execute=True):
            return anon.post(WEBHOOK.format(secret=secret or "hook-secret-123"), body, format="json")

    return post


def test_a_user_links_a_chat_by_sending_the_code_to_the_bot(api, trader, fake_telegram, post_update):
    answer = api.post(LINK)
    assert answer.status_code == 201
    code = answer.json()["code"]
    assert answer.json()["bot_url"] == f"https://t.me/tradefleet_test_bot?start={code}"
    assert post_update(update(f"/start {code}")).status_code == 200

    prefs = NotificationPreference.objects.get(user=trader)
    assert (prefs.telegram_chat_id, prefs.telegram_enabled) == (777, True)
    [reply] = fake_telegram.sent()
    assert reply.body["chat_id"] == 777
    assert trader.email in reply.body["text"]
    assert AuditLog.objects.filter(owner=trader, action="notifications.telegram_linked").exists()
    # Only the code's digest was ever stored.
    assert code not in str(NotificationPreference.objects.filter(user=trader).values().get())


def test_a_code_works_once(api, trader, fake_telegram, post_update):
    code = api.post(LINK).json()["code"]
    post_update(update(f"/start {code}", chat_id=1))
    post_update(update(f"/start {code}", chat_id=2))
    assert NotificationPreference.objects.get(user=trader).telegram_chat_id == 1
    assert "unknown, used or expired" in fake_telegram.texts()[-1]


def test_a_new_code_replaces_the_old_one(api, trader, fake_telegram, post_update):
    old = api.post(LINK).json()["code"]
    new = api.post(LINK).json()["code"]
    post_update(update(f"/start {old}"))
    assert NotificationPreference.objects.get(user=trader).telegram_chat_id is None
    post_update(update(f"/start {new}"))
    assert NotificationPreference.objects.get(user=trader).telegram_chat_id == 777


def test_a_code_expires_after_fifteen_minutes(api, trader, fake_telegram, post_update):
    code = api.post(LINK).json()["code"]
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        post_update(update(f"/start {code}"))
    assert NotificationPreference.objects.get(user=trader).telegram_chat_id is None


def test_start_without_a_code_and_other_messages_get_instructions(fake_telegram, post_update):
    assert post_update(update("/start")).status_code == 200
    assert post_update(update("hello")).status_code == 200
    assert post_update(update("hello", chat_type="group")).status_code == 200  # groups: silence
    texts = fake_telegram.texts()
    assert len(texts) == 2
    assert all("Link Telegram" in t for t in texts)


def test_a_wrong_secret_is_404_and_links_nothing(api, trader, fake_telegram, post_update):
    code = api.post(LINK).json()["code"]
    assert post_update(update(f"/start {code}"), secret="guess").status_code == 404
    assert NotificationPreference.objects.get(user=trader).telegram_chat_id is None
    assert fake_telegram.attempts() == 0


def test_the_webhook_is_off_without_a_secret(anon, settings, fake_telegram):
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    assert anon.post(WEBHOOK.format(secret="x"), update("/start abc"), format="json").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"message": "text"},
        {"message": {"chat": {"id": "1"}, "text": "/start x"}},
        [1, 2],
        {"edited_message": {}},
    ],
)
def test_updates_the_bot_cannot_use_are_answered_200(body, post_update):
    assert post_update(body).status_code == 200


def test_linking_needs_a_configured_bot(api, settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    answer = api.post(LINK)
    assert answer.status_code == 409
    assert answer.json()["code"] == "telegram_not_configured"


def test_the_bot_link_is_null_when_the_bots_name_is_unknown(api, fake_telegram, settings):
    settings.TELEGRAM_BOT_USERNAME = ""
    assert api.post(LINK).json()["bot_url"] is None
