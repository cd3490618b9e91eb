"""E-mail through Django's backend (EMAIL_URL: SMTP in production, the console in embedded mode).

SMTP answers map to outcomes the way Telegram's do: a 5xx reply (mailbox unknown, message refused)
fails for good, a 4xx reply (greylisting, mailbox full), a dropped connection or a timeout is
retried. Each message carries a Message-ID made of the notification and the channel, so the
rare copy a worker killed mid-send could produce is recognisable as the same message.
"""

from __future__ import annotations

import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage

from .outcome import Failed, Outcome, Retry, Sent


def message_id(key: str) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "tradefleet.local"
    return f"<{key}@{domain}>"


def send_email(*, to: str, subject: str, body: str, key: str) -> Outcome:
    """Send one plain-text message to `to`; `key` names it (the Message-ID's left part)."""
    message = EmailMessage(
        subject=" ".join(subject.split())[:200],  # no line breaks: they would start new headers
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": message_id(key), "Auto-Submitted": "auto-generated"},
    )
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        error = f"recipient refused: {codes}"
        return Retry(error) if codes and all(400 <= c < 500 for c in codes) else Failed(error)
    except smtplib.SMTPResponseException as exc:  # sender refused, data refused, auth...
        error = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        return Retry(error) if 400 <= exc.smtp_code < 500 else Failed(error)
    except (smtplib.SMTPException, OSError) as exc:  # disconnected, refused, timed out
        return Retry(f"{type(exc).__name__}: {exc}"[:500])
    return Sent()


def _text(value: bytes | str) -> str:
    return (value.decode(errors="replace") if isinstance(value, bytes) else str(value))[:300]
