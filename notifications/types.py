"""The notification catalogue: every type an app may raise, with its default level, its category,
whether only admins receive it, and which channels it reaches until the user says otherwise.

Pure (no Django): the models, the preferences' validation, the API's catalogue and the UI's
preferences table all read this one list, so a new type is one line here.

Levels are ordered info < warning < error < critical; a channel's minimum level drops what is
below it (in-app defaults to info, e-mail and Telegram to warning: a filled leg stays in the app
unless the user asks for it on the phone).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

INFO, WARNING, ERROR, CRITICAL = "info", "warning", "error", "critical"
LEVELS: tuple[str, ...] = (INFO, WARNING, ERROR, CRITICAL)
LEVEL_RANK: Mapping[str, int] = {level: rank for rank, level in enumerate(LEVELS)}

IN_APP, EMAIL, TELEGRAM = "in_app", "email", "telegram"
CHANNELS: tuple[str, ...] = (IN_APP, EMAIL, TELEGRAM)
# The channels that leave the platform: delivered by the workers, subject to quiet hours.
OUTBOUND_CHANNELS: tuple[str, ...] = (EMAIL, TELEGRAM)
DEFAULT_MIN_LEVEL: Mapping[str, str] = {IN_APP: INFO, EMAIL: WARNING, TELEGRAM: WARNING}

TRADING, SERVICE, SYSTEM, ADMIN = "trading", "service", "system", "admin"
CATEGORIES: tuple[str, ...] = (TRADING, SERVICE, SYSTEM, ADMIN)

_ALL = frozenset(CHANNELS)
_APP_AND_PHONE = frozenset({IN_APP, TELEGRAM})
_APP_AND_MAIL = frozenset({IN_APP, EMAIL})
_APP = frozenset({IN_APP})


@dataclass(frozen=True)
class NotificationType:
    name: str
    label: str
    category: str
    default_level: str
    admin_only: bool = False
    # Channels switched on until the user changes them. Frequent, low-stakes events reach the phone
    # (Telegram) but not the mailbox; anything a trader must act on reaches every channel.
    channels: frozenset[str] = _ALL


CATALOGUE: Mapping[str, NotificationType] = {
    t.name: t
    for t in (
        # trading
        NotificationType("signal_refused", "Signal refused", TRADING, WARNING),
        NotificationType("signal_queued", "Signal queued", TRADING, INFO, channels=_APP_AND_PHONE),
        NotificationType("position_opened", "Position opened", TRADING, INFO, channels=_APP_AND_PHONE),
        NotificationType("leg_filled", "Leg filled", TRADING, INFO, channels=_APP_AND_PHONE),
        NotificationType("take_profit_hit", "Take-profit hit", TRADING, INFO),
        NotificationType("position_closed", "Position closed (stop or manual)", TRADING, WARNING),
        NotificationType("queue_promoted", "Queued signal promoted", TRADING, INFO, channels=_APP_AND_PHONE),
        NotificationType("risk_action", "Risk action taken", TRADING, WARNING),
        NotificationType("daily_loss_breaker", "Daily loss breaker tripped", TRADING, CRITICAL),
        # service
        NotificationType("service_started", "Service started", SERVICE, INFO, channels=_APP),
        NotificationType("service_stopped", "Service stopped", SERVICE, WARNING),
        NotificationType("task_failed", "Scheduled task failed", SERVICE, ERROR),
        # system
        NotificationType("key_invalid", "Exchange or broker key failed validation", SYSTEM, ERROR),
        NotificationType("rate_limited", "Rate limited for long", SYSTEM, WARNING),
        NotificationType("market_data_late", "Market data late", SYSTEM, WARNING, channels=_APP_AND_PHONE),
        # admin only
        NotificationType(
            "ml_job_finished", "ML job finished", ADMIN, INFO, admin_only=True, channels=_APP_AND_MAIL
        ),
        NotificationType("ml_job_failed", "ML job failed", ADMIN, ERROR, admin_only=True),
        NotificationType("error_spike", "Error-log spike", ADMIN, ERROR, admin_only=True),
        NotificationType("user_locked_out", "User locked out", ADMIN, WARNING, admin_only=True),
        NotificationType("backup_failed", "Backup failed", ADMIN, ERROR, admin_only=True),
        NotificationType("performance_alert", "Performance alert fired", ADMIN, WARNING, admin_only=True),
        NotificationType(
            "performance_alert_resolved",
            "Performance alert resolved",
            ADMIN,
            INFO,
            admin_only=True,
            channels=_APP,
        ),
    )
}

# Raised by the notifications app itself, never switched per type: a test the user asked for and
# the daily summary (both go to the one channel they are for, whatever the type switches say).
TEST = "test"
DAILY_SUMMARY = "daily_summary"
INTERNAL_LABELS: Mapping[str, str] = {TEST: "Test notification", DAILY_SUMMARY: "Daily summary"}
ALL_TYPE_NAMES: frozenset[str] = frozenset(CATALOGUE) | frozenset(INTERNAL_LABELS)


def label_for(type_name: str) -> str:
    if type_name in CATALOGUE:
        return CATALOGUE[type_name].label
    return INTERNAL_LABELS.get(type_name, type_name.replace("_", " ").capitalize())


def default_level(type_name: str) -> str:
    entry = CATALOGUE.get(type_name)
    return entry.default_level if entry is not None else INFO


def at_least(level: str, minimum: str) -> bool:
    """Whether `level` passes a channel whose minimum level is `minimum`."""
    return LEVEL_RANK[level] >= LEVEL_RANK[minimum]


def default_switches() -> dict[str, dict[str, bool]]:
    """{type: {channel: on}} for every catalogued type, as a new user has them."""
    return {name: {channel: channel in t.channels for channel in CHANNELS} for name, t in CATALOGUE.items()}


def merged_switches(stored: Mapping[str, Mapping[str, bool]] | None) -> dict[str, dict[str, bool]]:
    """The defaults overlaid with what a user stored (types no longer catalogued are ignored)."""
    switches = default_switches()
    for name, channels in (stored or {}).items():
        if name in switches and isinstance(channels, Mapping):
            for channel, on in channels.items():
                if channel in switches[name] and isinstance(on, bool):
                    switches[name][channel] = on
    return switches


def catalogue_rows(names: Iterable[str] | None = None) -> list[dict[str, object]]:
    """The catalogue as the API shows it, in declaration order."""
    wanted = set(names) if names is not None else None
    return [
        {
            "type": t.name,
            "label": t.label,
            "category": t.category,
            "default_level": t.default_level,
            "admin_only": t.admin_only,
        }
        for t in CATALOGUE.values()
        if wanted is None or t.name in wanted
    ]
