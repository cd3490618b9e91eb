"""Every type of the catalogue reaches e-mail (a local SMTP server) and Telegram (a local fake of
the Bot API) once its owner switches it on there: the subject or first line says what happened,
the body links to it, and nothing arrives twice. The paths that raise each type are in
test_raised_trading.py and test_raised_system.py."""

from __future__ import annotations

import pytest

from notifications import types as catalogue
from notifications.models import DeliveryState, NotificationDelivery
from notifications.services.notify import notify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


@pytest.mark.parametrize("type_name", sorted(catalogue.CATALOGUE))
def test_each_type_reaches_email_and_telegram(
    type_name,
    trader,
    admin_user,
    smtp_server,
    fake_telegram,
    link_telegram,
    settings,
    django_capture_on_commit_callbacks,
):
    user = admin_user if catalogue.CATALOGUE[type_name].admin_only else trader
    everywhere = {name: {channel: True for channel in catalogue.CHANNELS} for name in catalogue.CATALOGUE}
    link_telegram(user, types=everywhere, min_level_email="info", min_level_telegram="info")
    title = f"{catalogue.label_for(type_name)}: BTC/USDT 1h"
    with django_capture_on_commit_callbacks(execute=True):
        n = notify(user.pk, type_name, title=title, message="What happened, in words.", link="/positions/7")

    [mail] = smtp_server.messages
    assert mail["X-Envelope-To"] == user.email
    assert title in mail["Subject"]
    assert f"{settings.PUBLIC_URL}/positions/7" in mail.get_content()
    [chat] = fake_telegram.sent()
    assert title in chat.body["text"].splitlines()[0]
    assert "What happened, in words." in chat.body["text"]
    states = dict(NotificationDelivery.objects.filter(notification=n).values_list("channel", "state"))
    assert states == {"email": DeliveryState.SENT, "telegram": DeliveryState.SENT}
