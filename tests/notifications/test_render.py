"""A batch's message (a burst of fills, what quiet hours held) stays within Telegram's 4096
characters and says how many it did not list."""

from __future__ import annotations

from notifications.models import Notification
from notifications.services.render import render
from notifications.services.telegram import MAX_TEXT


def leg(n: int) -> Notification:
    return Notification(
        type="leg_filled",
        level="info",
        title=f"Leg {n} of long BTC/USDT 1h filled",
        message=(
            f"Leg {n} of long BTC/USDT 1h filled: bought 0.00123 BTC/USDT at 61,250.5. "
            "The position holds 0.03690 at an average 62,101.25."
        ),
        link=f"/positions/{1000 + n}",
    )


def test_thirty_long_fills_fit_one_telegram_message_and_count_what_is_not_listed():
    text = render([leg(n) for n in range(1, 31)]).as_chat_text()
    assert len(text) <= MAX_TEXT
    listed = text.count("• ")
    assert 10 < listed < 30
    assert f"… and {30 - listed} more:" in text
    assert text.startswith("30 notifications: Leg filled")


def test_a_short_burst_lists_every_notification():
    text = render([leg(n) for n in range(1, 4)]).as_chat_text()
    assert text.count("• ") == 3
    assert "more:" not in text


def test_one_very_long_message_is_cut_on_its_line_not_dropped():
    long = leg(1)
    long.message = "x" * 5000
    text = render([long, leg(2)]).as_chat_text()
    assert len(text) <= MAX_TEXT
    assert text.count("• ") == 2
    assert "…" in text
