from __future__ import annotations

import logging

import pytest

from config.logging import RedactSecretsFilter, redact


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ('{"email": "a@b.c", "password": "hunter2-Long"}', "hunter2-Long"),
        ("{'api_key': 'AKIA123456'}", "AKIA123456"),
        ("GET /ws/events/?token=eyJhbGciOi.abc.def HTTP/1.1", "eyJhbGciOi.abc.def"),
        ("Authorization: Bearer eyJ0eXAi.payload.sig", "eyJ0eXAi.payload.sig"),
        ("refresh=abc.def.ghi&x=1", "abc.def.ghi"),
        (
            'HTTP Request: POST https://api.telegram.org/bot123456:AAH-x_y9/sendMessage "HTTP/1.1 200 OK"',
            "123456:AAH-x_y9",
        ),
    ],
)
def test_secrets_are_redacted(line, secret):
    cleaned = redact(line)
    assert secret not in cleaned
    assert "[redacted]" in cleaned


def test_filter_rewrites_records_with_arguments():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "login body %s", ('{"password": "p4ss-Word-99"}',), None
    )
    RedactSecretsFilter().filter(record)
    assert "p4ss-Word-99" not in record.getMessage()


def test_plain_lines_are_untouched():
    assert redact("order 42 filled at 101.5") == "order 42 filled at 101.5"


def test_redaction_keeps_the_quote_that_closes_a_logged_url():
    line = '127.0.0.1:5 - "WebSocket /ws/events/?token=eyJ.abc.def" [accepted]'
    assert redact(line) == '127.0.0.1:5 - "WebSocket /ws/events/?token=[redacted]" [accepted]'


def test_keys_that_contain_a_secret_word_and_bare_jwts_are_redacted_too() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXBhcnQ"
    line = f'api_secret=s3cr3tv4lue webhook_token: t0k3n "exchange_api_key": "k3yv4lu3" sent {jwt} done'
    cleaned = redact(line)
    for leaked in ("s3cr3tv4lue", "t0k3n", "k3yv4lu3", jwt):
        assert leaked not in cleaned
    assert cleaned.endswith("sent [redacted] done")


def test_http_client_request_lines_stay_out_of_the_logs() -> None:
    """httpx logs each request's URL at INFO; a Telegram send's URL holds the bot token."""
    from django.conf import settings

    for name in ("httpx", "httpcore"):
        assert settings.LOGGING["loggers"][name]["level"] == "WARNING"
