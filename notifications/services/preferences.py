"""A user's notification preferences: read cheaply by notify(), shown and changed by the API.

notify() runs in the engine's hot paths (a fill tick for a thousand users), so it reads a frozen
snapshot of the preferences: from this process's memory (NOTIFY_PREFERENCES_CACHE_SECONDS), else
from the shared cache (Redis: a GET, a third of the SQL read it replaces; kept an hour, dropped
whenever the row is saved or deleted), else from the database. A change is seen at once by the
process that saved it and within NOTIFY_PREFERENCES_CACHE_SECONDS by the others; the workers read
the row again before each send, so switching a channel off stops deliveries already queued.
Users who never changed anything have no row: the catalogue's defaults apply.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time as clock_time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest

from auditlog.services import record
from notifications import types as catalogue
from notifications.models import NotificationPreference

from .quiet import zone_for

logger = logging.getLogger(__name__)

# --- the snapshot notify() reads --------------------------------------------------------------


@dataclass(frozen=True)
class PreferenceSnapshot:
    switches: Mapping[str, Mapping[str, bool]]
    min_level: Mapping[str, str]
    email_enabled: bool
    telegram_linked: bool

    def wants(self, channel: str, type_name: str, level: str) -> bool:
        """Whether this type at this level goes to `channel` (type switch and minimum level)."""
        if type_name not in catalogue.CATALOGUE:
            return channel == catalogue.IN_APP  # the app's own types pick their channel themselves
        return self.switches[type_name][channel] and catalogue.at_least(level, self.min_level[channel])

    def outbound(self, type_name: str, level: str) -> list[str]:
        """The channels beyond the app that need a delivery for this notification."""
        ready = {
            catalogue.EMAIL: self.email_enabled,
            catalogue.TELEGRAM: self.telegram_linked and bool(settings.TELEGRAM_BOT_TOKEN),
        }
        return [c for c in catalogue.OUTBOUND_CHANNELS if ready[c] and self.wants(c, type_name, level)]


def snapshot_of(prefs: NotificationPreference | None) -> PreferenceSnapshot:
    prefs = prefs if prefs is not None else NotificationPreference()
    return PreferenceSnapshot(
        switches=catalogue.merged_switches(prefs.types),
        min_level={channel: prefs.min_level(channel) for channel in catalogue.CHANNELS},
        email_enabled=prefs.email_enabled,
        telegram_linked=prefs.telegram_enabled and prefs.telegram_chat_id is not None,
    )


_snapshots: dict[str, tuple[float, PreferenceSnapshot]] = {}
_snapshots_lock = threading.Lock()
_MAX_SNAPSHOTS = 20_000  # ~ a few MB; past it the cache starts over rather than grow
# The shared copy is dropped on every save (models' signals, notifications/apps.py); the hour only
# bounds what a change made behind Django's back (raw SQL) leaves in place.
SHARED_SNAPSHOT_SECONDS = 3600


def preference_snapshot(user_id: Any) -> PreferenceSnapshot:
    """The user's preferences as notify() needs them: one indexed read per user per cache period."""
    key = str(user_id)
    now = time.monotonic()
    hit = _snapshots.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    shared_key = _shared_key(key)
    snapshot = _shared_get(shared_key)
    if snapshot is None:
        snapshot = snapshot_of(NotificationPreference.objects.filter(user_id=user_id).first())
        _shared_set(shared_key, snapshot)
    with _snapshots_lock:
        if len(_snapshots) >= _MAX_SNAPSHOTS:
            _snapshots.clear()
        _snapshots[key] = (now + settings.NOTIFY_PREFERENCES_CACHE_SECONDS, snapshot)
    return snapshot


def preferences_forget(user_id: Any = None) -> None:
    """Drop the snapshot of one user (after a change: this process's and the shared one), or this
    process's of everyone."""
    with _snapshots_lock:
        if user_id is None:
            _snapshots.clear()
        else:
            _snapshots.pop(str(user_id), None)
    if user_id is not None:
        try:
            cache.delete(_shared_key(str(user_id)))
        except Exception:  # the cache is down: nothing is cached there either
            logger.warning("could not drop the shared notification preferences of %s", user_id)


def _shared_key(user_key: str) -> str:
    return f"notify:prefs:{user_key}"


def _shared_get(key: str) -> PreferenceSnapshot | None:
    try:
        found = cache.get(key)
    except Exception:  # the cache is down: read the row
        return None
    return found if isinstance(found, PreferenceSnapshot) else None


def _shared_set(key: str, snapshot: PreferenceSnapshot) -> None:
    try:
        cache.set(key, snapshot, SHARED_SNAPSHOT_SECONDS)
    except Exception:
        logger.warning("could not share the notification preferences (%s)", key)


# --- reading and changing ---------------------------------------------------------------------


def preferences_for(user: Any) -> NotificationPreference:
    """The user's row, or an unsaved one with the defaults (nothing is written by reading)."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


def email_address_for(prefs: NotificationPreference) -> str:
    return prefs.email_address or prefs.user.email


def format_time(value: clock_time | None) -> str | None:
    if value is None:
        return None
    return value.strftime("%H:%M" if not value.second else "%H:%M:%S")


def preferences_view(prefs: NotificationPreference) -> dict[str, Any]:
    """What GET notification-preferences shows (the API adds the catalogue)."""
    return {
        "email_enabled": prefs.email_enabled,
        "email_address": email_address_for(prefs),
        "telegram_enabled": prefs.telegram_enabled,
        "telegram_chat_id": str(prefs.telegram_chat_id) if prefs.telegram_chat_id is not None else None,
        "types": catalogue.merged_switches(prefs.types),
        "min_level": {channel: prefs.min_level(channel) for channel in catalogue.CHANNELS},
        "quiet_hours_start": format_time(prefs.quiet_hours_start),
        "quiet_hours_end": format_time(prefs.quiet_hours_end),
        "timezone": prefs.timezone,
        "critical_through_quiet": prefs.critical_through_quiet,
        "daily_summary_time": format_time(prefs.daily_summary_time),
    }


BOOLEAN_FIELDS = ("email_enabled", "telegram_enabled", "critical_through_quiet")
TIME_FIELDS = ("quiet_hours_start", "quiet_hours_end", "daily_summary_time")


def preferences_update(
    *, user: Any, payload: Any, request: HttpRequest | None = None
) -> NotificationPreference:
    """Apply the fields present in `payload` (the GET shape; unknown keys such as `catalogue` are
    ignored). Every problem is reported at once as `{field: [message]}`, dotted below `types` and
    `min_level` (`types.leg_filled`); nothing is stored unless all of it is valid. Audited."""
    if not isinstance(payload, Mapping):
        raise ValidationError({"non_field_errors": ["Expected an object of preferences."]})
    with transaction.atomic():
        prefs = NotificationPreference.objects.select_for_update().filter(user=user).first()
        prefs = prefs if prefs is not None else NotificationPreference(user=user)
        before = preferences_view(prefs)
        errors = _apply(prefs, payload, user=user)
        if errors:
            raise ValidationError(errors)
        prefs.save()
        after = preferences_view(prefs)
        changes = _changes(before, after)
        if changes:
            record(
                action="notifications.preferences_update",
                actor=user,
                resource=prefs,
                resource_id=prefs.pk,
                changes=changes,
                request=request,
            )
    preferences_forget(user.pk)
    return prefs


def _apply(prefs: NotificationPreference, payload: Mapping[str, Any], *, user: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in BOOLEAN_FIELDS:
        if name in payload:
            if isinstance(payload[name], bool):
                setattr(prefs, name, payload[name])
            else:
                errors[name] = ["Must be true or false."]
    for name in TIME_FIELDS:
        if name in payload:
            valid, parsed = _parse_time(payload[name])
            if valid:
                setattr(prefs, name, parsed)
            else:
                errors[name] = ["Enter a time as HH:MM (24-hour), or null for none."]
    if "email_address" in payload:
        _apply_email(prefs, payload["email_address"], user=user, errors=errors)
    if "telegram_chat_id" in payload:
        _apply_chat_id(prefs, payload["telegram_chat_id"], errors=errors)
        if prefs.telegram_chat_id is None and "telegram_enabled" not in payload:
            prefs.telegram_enabled = False  # unlinked: nothing left to send to
    if "timezone" in payload:
        name = payload["timezone"]
        if isinstance(name, str) and _valid_zone(name):
            prefs.timezone = name
        else:
            errors["timezone"] = ["Unknown time zone: use an IANA name such as Asia/Kolkata or UTC."]
    if "types" in payload:
        _apply_types(prefs, payload["types"], errors=errors)
    if "min_level" in payload:
        _apply_min_level(prefs, payload["min_level"], errors=errors)
    if (prefs.quiet_hours_start is None) != (prefs.quiet_hours_end is None):
        field = "quiet_hours_end" if prefs.quiet_hours_end is None else "quiet_hours_start"
        errors.setdefault(field, ["Set both the start and the end of quiet hours, or neither."])
    elif prefs.quiet_hours_start is not None and prefs.quiet_hours_start == prefs.quiet_hours_end:
        errors.setdefault("quiet_hours_end", ["Quiet hours must end at another time than they start."])
    if prefs.telegram_enabled and prefs.telegram_chat_id is None:
        errors.setdefault("telegram_enabled", ["Link a Telegram chat first (Link Telegram)."])
    return errors


def _parse_time(value: Any) -> tuple[bool, clock_time | None]:
    """(valid, time) from "HH:MM" or "HH:MM:SS"; null or "" is a valid None."""
    if value is None or value == "":
        return True, None
    if not isinstance(value, str) or len(value) not in (5, 8):
        return False, None
    try:
        parsed = clock_time.fromisoformat(value)
    except ValueError:
        return False, None
    return parsed.tzinfo is None, parsed


def _valid_zone(name: str) -> bool:
    if not name or len(name) > 64:
        return False
    try:
        zone_for(name)
    except (KeyError, ValueError, OSError):  # not found (a KeyError), a bad key, a directory
        return False
    return True


def _apply_email(
    prefs: NotificationPreference, value: Any, *, user: Any, errors: dict[str, list[str]]
) -> None:
    if value is None or value == "":
        prefs.email_address = ""  # the account's address
        return
    if not isinstance(value, str):
        errors["email_address"] = ["Enter an e-mail address."]
        return
    address = value.strip()
    try:
        validate_email(address)
    except ValidationError:
        errors["email_address"] = ["Enter a valid e-mail address."]
        return
    if len(address) > NotificationPreference._meta.get_field("email_address").max_length:
        errors["email_address"] = ["This e-mail address is too long."]
        return
    # The account's own address is stored as "follow the account", so a later change of the
    # login e-mail is followed here too.
    prefs.email_address = "" if address.lower() == (user.email or "").lower() else address


def _apply_chat_id(prefs: NotificationPreference, value: Any, *, errors: dict[str, list[str]]) -> None:
    if value is None or value == "":
        prefs.telegram_chat_id = None  # unlink
        return
    if prefs.telegram_chat_id is not None and str(value) == str(prefs.telegram_chat_id):
        return  # sent back unchanged
    errors["telegram_chat_id"] = ["Set by linking a chat through the bot (Link Telegram), or null to unlink."]


def _apply_types(prefs: NotificationPreference, value: Any, *, errors: dict[str, list[str]]) -> None:
    if not isinstance(value, Mapping):
        errors["types"] = ["Expected an object of {type: {in_app, email, telegram}}."]
        return
    stored = dict(prefs.types or {})
    for name, switches in value.items():
        field = f"types.{name}"
        if name not in catalogue.CATALOGUE:
            errors[field] = ["Unknown notification type."]
            continue
        if not isinstance(switches, Mapping) or not switches:
            errors[field] = ["Expected {in_app, email, telegram}, each true or false."]
            continue
        unknown = sorted(str(c) for c in switches if c not in catalogue.CHANNELS)
        if unknown:
            errors[field] = [f"Unknown channel: {', '.join(unknown)}."]
            continue
        if not all(isinstance(on, bool) for on in switches.values()):
            errors[field] = ["Each channel's switch must be true or false."]
            continue
        stored[name] = {**stored.get(name, {}), **switches}
    # Only what differs from the catalogue is kept, so a new default reaches users who never
    # touched that switch.
    defaults = catalogue.default_switches()
    prefs.types = {
        name: {c: on for c, on in switches.items() if on != defaults[name][c]}
        for name, switches in stored.items()
        if name in defaults and any(on != defaults[name][c] for c, on in switches.items())
    }


def _apply_min_level(prefs: NotificationPreference, value: Any, *, errors: dict[str, list[str]]) -> None:
    if not isinstance(value, Mapping):
        errors["min_level"] = ["Expected an object of {in_app, email, telegram}: a level each."]
        return
    for channel, level in value.items():
        field = f"min_level.{channel}"
        if channel not in catalogue.CHANNELS:
            errors[field] = ["Unknown channel."]
        elif level not in catalogue.LEVELS:
            errors[field] = [f"Must be one of {', '.join(catalogue.LEVELS)}."]
        else:
            setattr(prefs, f"min_level_{channel}", level)


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for field, value in after.items():
        old = before.get(field)
        if field == "types":
            changed = {t: {"before": old[t], "after": s} for t, s in value.items() if old.get(t) != s}
            if changed:
                changes["types"] = changed
        elif old != value:
            changes[field] = {"before": old, "after": value}
    return changes
