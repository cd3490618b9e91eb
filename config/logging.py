"""Logging helpers: a filter that keeps secrets out of every log line."""

from __future__ import annotations

import logging
import re
from typing import Any

# Values of these keys are replaced wherever they appear as key=value or "key": "value".
_SECRET_KEYS = r"(password|passwd|secret|token|api[_-]?key|access|refresh|authorization|passphrase)"  # noqa: S105  key names to redact, not a password
_PATTERNS = [
    # "api_secret": "...", 'password': '...': any key that contains a secret word.
    re.compile(rf'(?i)("\w*{_SECRET_KEYS}\w*"\s*:\s*")[^"]*(")'),
    re.compile(rf"(?i)('\w*{_SECRET_KEYS}\w*'\s*:\s*')[^']*(')"),
    # password=..., api_secret=..., token: ...
    re.compile(rf"(?i)(\b\w*{_SECRET_KEYS}\w*\s*[=:]\s*)[^&\s,\"']+()"),
    re.compile(r"(?i)(Bearer\s+)[A-Za-z0-9._~+/=-]+()"),
    # A Telegram bot token in a Bot API URL: https://api.telegram.org/bot123456:AA.../sendMessage
    re.compile(r"(/bot)\d+:[A-Za-z0-9_-]+()"),
    # A bare JWT (header.payload.signature, the header always starts eyJ).
    re.compile(r"()\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*()"),
]


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}[redacted]{m.group(m.lastindex)}", text)
    return text


_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class RedactSecretsFilter(logging.Filter):
    """Rewrites the formatted message so that tokens, passwords and keys never reach a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string is the caller's bug, not a reason to drop the line
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        # Extra fields end up in the JSON lines too.
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, key, redact(value))
        return True


# Loggers whose lines are also stored as service logs (auditlog/log_handler.py): the house
# namespace, Celery's task logger, and the app packages, whose modules log under their own
# `__name__` (brokers.services, accounts.tasks, ...).
SERVICE_LOG_LOGGERS = (
    "tradefleet",
    "celery.task",
    "accounts",
    "auditlog",
    "brokers",
    "config",
    "mlops",
    "notifications",
    "trading",
)
# Kept out of the service logs (console only): the exchange simulator stands in for an exchange,
# and its lines (faults it was told to inject, its own errors) are not the platform's work.
CONSOLE_ONLY_LOGGERS = ("brokers.simulator",)
# The trade journal (trading/runtime/journal.py): each trader's own record of their positions. It
# reaches the service log at the service log's level even when LOG_LEVEL quiets the console.
JOURNAL_LOGGER = "tradefleet.trading.journal"


def _level_number(name: str) -> int:
    number = logging.getLevelName(str(name).upper())
    return number if isinstance(number, int) else logging.INFO


def logging_config(
    *,
    level: str,
    fmt: str,
    access_level: str,
    service_log_level: str = "INFO",
    console_level: str | None = None,
) -> dict[str, Any]:
    """Django's LOGGING: one console handler (text or JSON lines) behind the redaction filter, and
    the service-log handler on SERVICE_LOG_LOGGERS (beside the console: they still propagate)."""
    loggers: dict[str, Any] = {name: {"handlers": ["service_log"]} for name in SERVICE_LOG_LOGGERS}
    loggers.update({name: {"handlers": ["console"], "propagate": False} for name in CONSOLE_ONLY_LOGGERS})
    # Its own console handler at LOG_LEVEL and the service log at SERVICE_LOG_LEVEL; not propagated,
    # so each handler sees a line once and filters it by its own level.
    loggers[JOURNAL_LOGGER] = {
        "handlers": ["service_log", "journal_console"],
        "level": min(_level_number(level), _level_number(service_log_level)),
        "propagate": False,
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "config.logging.RedactSecretsFilter"}},
        "formatters": {
            "text": {"format": "%(asctime)s %(levelname)-7s %(name)s: %(message)s"},
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "ts", "levelname": "level", "name": "logger"},
            },
        },
        "handlers": {
            # `console_level` above `level` keeps lines off the console that still reach the
            # service logs (`make run`: the banner stays in view under the tasks' lines). Unset,
            # the handler passes what the loggers let through (a worker's --loglevel included).
            "console": {
                "class": "logging.StreamHandler",
                "formatter": fmt,
                "filters": ["redact"],
                **({"level": console_level} if console_level else {}),
            },
            "journal_console": {
                "class": "logging.StreamHandler",
                "formatter": fmt,
                "filters": ["redact"],
                "level": level,
            },
            # Redacts on its own, never blocks, never recurses (auditlog/log_handler.py).
            "service_log": {"class": "auditlog.log_handler.ServiceLogHandler", "level": service_log_level},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            **loggers,
            "django.db.backends": {"level": "WARNING"},
            # httpx and httpcore log every request's URL at INFO: a line per notification sent, and
            # the Bot API's URL carries the bot's token (redacted above all the same).
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
            # uvicorn's loggers go through the same redacting handler: its WebSocket lines carry the
            # URL, and the URL carries the access token.
            "uvicorn": {"handlers": ["console"], "level": level, "propagate": False},
            "uvicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
            "uvicorn.access": {
                "handlers": ["console"],
                "level": access_level,
                "propagate": False,
            },
            "celery": {"level": level},
        },
    }
