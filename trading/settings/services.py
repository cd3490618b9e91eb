"""The per-user trading configuration: read (created lazily), change, reset, apply a preset.

Every change validates the whole resulting configuration (validation.py) and raises one
ValidationError naming every field that breaks a rule, with the rule; a change that changes
something is audited with the changed fields' values before and after, in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from accounts.models import User
from auditlog.services import record
from trading.settings import presets
from trading.settings.hooks import task_schedule_changed
from trading.settings.models import UserTradingConfig
from trading.settings.validation import as_json, trading_config_clean, trading_config_values

AUDIT_ACTION = "trading_config.update"
# --- use cases ---------------------------------------------------------------------------------


def trading_config_for(user: User) -> UserTradingConfig:
    """The user's configuration, created with the defaults on first read (whoever reads first:
    the API, the risk tick, a change)."""
    config, _ = UserTradingConfig.objects.get_or_create(user=user, defaults=trading_config_deployment())
    return config


def trading_config_deployment() -> dict[str, Any]:
    """The defaults this deployment sets for itself (TRADING_MAX_OPEN_GROUPS,
    TRADING_MAX_SIGNAL_AGE_SECONDS) over the model's. The engine applies them to a user who has no
    row yet (signals/routing.py), so the row must start from them too: creating it must not change
    a limit the user never touched."""
    return {
        "max_open_groups": settings.TRADING_MAX_OPEN_GROUPS,
        "max_signal_age_seconds": settings.TRADING_MAX_SIGNAL_AGE_SECONDS,
    }


def _write(
    *,
    user: User,
    build: Callable[[dict[str, Any]], dict[str, Any]],
    via: str,
    actor: Any,
    request: HttpRequest | None,
) -> UserTradingConfig:
    with transaction.atomic():
        trading_config_for(user)
        config = UserTradingConfig.objects.select_for_update().get(user=user)
        before = trading_config_values(config)
        after = build(before)
        changed = [name for name in presets.FIELD_NAMES if after[name] != before[name]]
        if not changed:
            return config  # nothing changed, nothing to record
        for name in changed:
            setattr(config, name, after[name])
        config.save(update_fields=[*changed, "updated_at"])
        if "task_schedule" in changed:  # the beat rows follow, in this transaction
            task_schedule_changed.send(
                sender=UserTradingConfig, user_id=user.pk, entries=after["task_schedule"]
            )
        record(
            action=AUDIT_ACTION,
            actor=actor if actor is not None else user,
            owner=user,
            resource=config,
            request=request,
            changes={
                "via": via,
                "before": as_json({name: before[name] for name in changed}),
                "after": as_json({name: after[name] for name in changed}),
            },
        )
    config.refresh_from_db()
    return config


def trading_config_update(
    *,
    user: User,
    fields: object,
    partial: bool,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> UserTradingConfig:
    """Change some settings (`partial`) or replace them all; the result must be valid as a whole."""
    return _write(
        user=user,
        build=lambda current: trading_config_clean(fields=fields, current=current if partial else None),
        via="update",
        actor=actor,
        request=request,
    )


def trading_config_apply_preset(
    *, user: User, name: str, actor: Any = None, request: HttpRequest | None = None
) -> UserTradingConfig:
    """Every setting of preset `name`, except the user's own (`presets.PERSONAL_FIELDS`)."""
    if name not in presets.PRESET_NAMES:
        raise ValidationError(
            {"preset": [f"Unknown preset; the presets are {', '.join(presets.PRESET_NAMES)}."]}
        )
    values = presets.preset(name)

    def build(current: dict[str, Any]) -> dict[str, Any]:
        return {**values, **{field: current[field] for field in presets.PERSONAL_FIELDS}}

    return _write(user=user, build=build, via=f"preset:{name}", actor=actor, request=request)


def trading_config_reset(
    *, user: User, actor: Any = None, request: HttpRequest | None = None
) -> UserTradingConfig:
    """Every setting back to its default (the Moderate preset), the user's capital included."""
    return _write(user=user, build=lambda _: presets.defaults(), via="reset", actor=actor, request=request)
