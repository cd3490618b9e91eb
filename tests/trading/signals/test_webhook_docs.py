"""docs/user-guide/webhooks.md names every code the webhook answers with, and the limits it
states for wrong secrets are the settings' defaults."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from trading.signals.api.webhook_schema import BAD_REQUEST_CODES, UNPROCESSABLE_CODES
from trading.signals.authentication import WebhookForbidden
from trading.signals.rate_limit import WebhookAuthThrottled, WebhookRateLimited

PAGE = Path(__file__).resolve().parents[3] / "docs" / "user-guide" / "webhooks.md"


def _answers_section() -> str:
    text = PAGE.read_text()
    return text[text.index("## 3. What the answer means") : text.index("## 4. Duplicates")]


def test_every_answer_code_is_documented_with_its_status() -> None:
    section = _answers_section()
    for status, code in [
        (401, "authentication_failed"),
        (403, WebhookForbidden.code),
        (429, WebhookRateLimited.code),
        (429, WebhookAuthThrottled.code),
    ]:
        assert f'| `{status}` `{{"detail", "code": "{code}"' in section, code
    for code in (*BAD_REQUEST_CODES, *UNPROCESSABLE_CODES):
        assert f"`{code}`" in section, code


def test_the_wrong_secret_limits_on_the_page_are_the_defaults() -> None:
    section = " ".join(_answers_section().split())
    assert settings.WEBHOOK_AUTH_FAILURE_WINDOW == 600
    assert "in the current 10 minutes" in section
    sender, user, address = (
        settings.WEBHOOK_AUTH_FAILURES_PER_SENDER,
        settings.WEBHOOK_AUTH_FAILURES_PER_USER,
        settings.WEBHOOK_AUTH_FAILURES_PER_ADDRESS,
    )
    assert f"over {sender} to your URL from one address" in section
    assert f"over {user} to your URL from all addresses together" in section
    assert f"over {address} from one address to any URLs" in section
