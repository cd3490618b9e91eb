"""Validation of a trading configuration: each field's rule, the rules between fields, and the
JSON form of the values (what the API shows and the audit trail records). Raises one
ValidationError naming every field that breaks a rule, with the rule."""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from trading.settings import presets, schedule_rules
from trading.settings.models import UserTradingConfig

MAX_CAPITAL = Decimal("10000000")
_MAX_AMOUNT = Decimal("1000000000000000")  # 1e15: far above any real limit, well inside the column
_MAX_DECIMAL_PLACES = 18
_MAX_SCHEDULE_ENTRIES = 50
_TASK_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,?LW#-]{1,64}$")


class _Invalid(Exception):
    """One field's broken rule, in words a trader understands."""

    def __init__(self, *messages: str) -> None:
        super().__init__(*messages)
        self.messages = list(messages)


# --- parsing one value -------------------------------------------------------------------------


def _integer(raw: object, low: int, high: int) -> int:
    if isinstance(raw, bool):
        raise _Invalid("Must be a whole number.")
    if isinstance(raw, str) and re.fullmatch(r"\s*-?\d{1,12}\s*", raw):
        raw = int(raw)
    elif isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e12:
        raw = int(raw)
    if not isinstance(raw, int):
        raise _Invalid("Must be a whole number.")
    if not low <= raw <= high:
        raise _Invalid(f"Must be between {low} and {high}.")
    return raw


def _decimal(raw: object) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise _Invalid("Must be a number.")
    try:
        value = Decimal(str(raw).strip()) if not isinstance(raw, Decimal) else raw
    except InvalidOperation:
        raise _Invalid("Must be a number.") from None
    if not value.is_finite():
        raise _Invalid("Must be a finite number.")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -_MAX_DECIMAL_PLACES:
        raise _Invalid(f"At most {_MAX_DECIMAL_PLACES} decimal places.")
    return value


def _bounded(
    raw: object,
    *,
    low: Decimal,
    high: Decimal,
    low_open: bool = False,
    high_open: bool = False,
    rule: str = "",
) -> Decimal:
    value = _decimal(raw)
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        if not rule:
            lower = f"greater than {_text(low)}" if low_open else f"at least {_text(low)}"
            upper = f"less than {_text(high)}" if high_open else f"at most {_text(high)}"
            rule = f"Must be {lower} and {upper}."
        raise _Invalid(rule)
    return value


def _boolean(raw: object) -> bool:
    if not isinstance(raw, bool):
        raise _Invalid("Must be true or false.")
    return raw


def _order_type(raw: object) -> str:
    if raw not in ("limit", "market"):
        raise _Invalid('Must be "limit" or "market".')
    return str(raw)


def _ml_combine(raw: object) -> str:
    if raw not in presets.ML_COMBINE_MODES:
        raise _Invalid('Must be "filter" or "require_both".')
    return str(raw)


def _queue_rules(raw: object) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise _Invalid('Must be a list of {"rule": name, "enabled": true|false}, in priority order.')
    known = presets.QUEUE_RULE_NAMES
    rules: list[dict[str, Any]] = []
    problems: list[str] = []
    for index, item in enumerate(raw[: len(known) + 5], start=1):
        if not isinstance(item, dict) or not isinstance(item.get("rule"), str):
            problems.append(f'Item {index}: must be {{"rule": name, "enabled": true|false}}.')
            continue
        extra = sorted(set(item) - {"rule", "enabled"})
        enabled = item.get("enabled", True)
        if extra:
            problems.append(f"Item {index}: unknown key {extra[0]!r}.")
        elif item["rule"] not in known:
            problems.append(
                f"Item {index}: unknown rule {item['rule'][:50]!r}; the rules are {', '.join(known)}."
            )
        elif any(rule["rule"] == item["rule"] for rule in rules):
            problems.append(f"Item {index}: rule {item['rule']!r} is listed twice.")
        elif not isinstance(enabled, bool):
            problems.append(f"Item {index}: enabled must be true or false.")
        else:
            rules.append({"rule": item["rule"], "enabled": enabled})
    if problems:
        raise _Invalid(*problems)
    missing = [name for name in known if name not in {rule["rule"] for rule in rules}]
    if missing:
        raise _Invalid(
            f"Must list every rule (switch one off with enabled: false); missing: {', '.join(missing)}."
        )
    if not any(rule["enabled"] for rule in rules):
        raise _Invalid("At least one rule must stay enabled.")
    return rules


@functools.cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _schedule_entry(item: object, index: int) -> dict[str, Any]:
    prefix = f"Item {index}: "
    if not isinstance(item, dict):
        raise _Invalid(prefix + 'must be {"task", "cron" or "interval_seconds", "timezone"}.')
    extra = sorted(set(item) - {"task", "cron", "interval_seconds", "timezone"})
    if extra:
        raise _Invalid(prefix + f"unknown key {str(extra[0])[:50]!r}.")
    task = item.get("task")
    if not isinstance(task, str) or not _TASK_NAME.match(task):
        raise _Invalid(prefix + "task must be a name of letters, digits and _ . : - (at most 100).")
    entry: dict[str, Any] = {"task": task}
    if ("cron" in item) == ("interval_seconds" in item):
        raise _Invalid(prefix + "give either cron or interval_seconds, not both or neither.")
    if "cron" in item:
        cron = item["cron"]
        parts = cron.split() if isinstance(cron, str) else []
        if len(parts) != 5 or not all(_CRON_FIELD.match(part) for part in parts):
            raise _Invalid(prefix + 'cron must have five fields, e.g. "*/5 * * * *".')
        entry["cron"] = " ".join(parts)
    else:
        try:
            entry["interval_seconds"] = _integer(item["interval_seconds"], 1, 7 * 86400)
        except _Invalid as exc:
            raise _Invalid(prefix + f"interval_seconds: {exc.messages[0]}") from None
    zone = item.get("timezone", "UTC")
    if not isinstance(zone, str) or zone not in _timezones():
        raise _Invalid(prefix + "timezone must be an IANA time zone name, e.g. Europe/Berlin or UTC.")
    entry["timezone"] = zone
    problem = schedule_rules.schedule_entry_problem(entry)  # a task the registry knows, a schedule beat runs
    if problem:
        raise _Invalid(prefix + problem)
    return entry


def _task_schedule(raw: object) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise _Invalid('Must be a list of {"task", "cron" or "interval_seconds", "timezone"}.')
    if len(raw) > _MAX_SCHEDULE_ENTRIES:
        raise _Invalid(f"At most {_MAX_SCHEDULE_ENTRIES} entries.")
    entries, problems = [], []
    for index, item in enumerate(raw, start=1):
        try:
            entries.append(_schedule_entry(item, index))
        except _Invalid as exc:
            problems.extend(exc.messages)
    if problems:
        raise _Invalid(*problems)
    return entries


def _percent(**kwargs: Any) -> Callable[[object], Decimal]:
    return lambda raw: _bounded(raw, **kwargs)


def _int(low: int, high: int) -> Callable[[object], int]:
    return lambda raw: _integer(raw, low, high)


_ZERO, _HUNDRED = Decimal(0), Decimal(100)
_RSI = _percent(low=_ZERO, high=_HUNDRED, rule="Must be between 0 and 100.")

# Field -> (parser, nullable). Bounds as in the issue and docs/user-guide/trading-config.md.
_FIELDS: dict[str, tuple[Callable[[object], Any], bool]] = {
    "rsi_period": (_int(2, 200), False),
    "rsi_oversold": (_RSI, False),
    "rsi_near_oversold": (_RSI, False),
    "rsi_overbought": (_RSI, False),
    "user_capital": (
        _percent(
            low=_ZERO, high=MAX_CAPITAL, low_open=True, rule="Must be greater than 0 and at most 10000000."
        ),
        False,
    ),
    "capital_per_trade_percent": (_percent(low=_ZERO, high=_HUNDRED, low_open=True), False),
    "max_portfolio_size": (_int(1, 20), False),
    "min_volume_usd": (_percent(low=_ZERO, high=_MAX_AMOUNT), False),
    "chart_quality_min": (_percent(low=_ZERO, high=_HUNDRED, rule="Must be between 0 and 100."), False),
    "take_profit_percent": (_percent(low=_ZERO, high=Decimal(1000), low_open=True), False),
    "stop_loss_percent": (_percent(low=_ZERO, high=_HUNDRED, low_open=True, high_open=True), True),
    "trailing_stop_percent": (_percent(low=_ZERO, high=_HUNDRED, low_open=True, high_open=True), True),
    "risk_reward_ratio": (_percent(low=Decimal(1), high=_HUNDRED), False),
    "default_order_type": (_order_type, False),
    "auto_trading_enabled": (_boolean, False),
    "allow_pyramiding": (_boolean, False),
    "ml_enabled": (_boolean, False),
    "ml_model_version": (_int(1, 1_000_000), True),
    "ml_min_confidence": (_percent(low=_ZERO, high=Decimal(1), rule="Must be between 0 and 1."), False),
    "ml_combine": (_ml_combine, False),
    "task_schedule": (_task_schedule, False),
    "max_open_groups": (_int(1, 100), False),
    "pyramids_bypass_pool": (_boolean, False),
    "queue_rules": (_queue_rules, False),
    "max_realized_loss_per_day": (_percent(low=_ZERO, high=_MAX_AMOUNT, low_open=True), True),
    "max_total_exposure": (_percent(low=_ZERO, high=_MAX_AMOUNT, low_open=True), True),
    "max_signal_age_seconds": (_int(10, 86400), False),
    "required_pyramids_for_timer": (_int(1, 50), False),
    "post_full_wait_minutes": (_int(0, 1440), False),
    "loss_threshold_percent": (
        _percent(low=-_HUNDRED, high=_ZERO, high_open=True, rule="Must be below 0 and at least -100."),
        False,
    ),
    "max_winners_to_combine": (_int(1, 10), False),
    "risk_engine_enabled": (_boolean, False),
}
assert tuple(_FIELDS) == presets.FIELD_NAMES, "every configuration field needs exactly one rule"  # noqa: S101


# --- the whole configuration -------------------------------------------------------------------


def trading_config_clean(*, fields: object, current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The complete, typed configuration `fields` describes: over `current` when given (a partial
    change), else `fields` must name every field. ValidationError names each broken rule."""
    if not isinstance(fields, Mapping):
        raise ValidationError({"non_field_errors": ["Expected a JSON object of settings."]})
    errors: dict[str, list[str]] = {}
    for name in fields:
        if name not in _FIELDS:
            errors[str(name)[:100]] = ["Unknown field."]
    values: dict[str, Any] = {}
    for name, (parse, nullable) in _FIELDS.items():
        if name not in fields:
            if current is None:
                errors[name] = ["This field is required."]
            else:
                values[name] = current[name]
            continue
        raw = fields[name]
        if raw is None:
            if nullable:
                values[name] = None  # optional settings are checked only when set
            else:
                errors[name] = ["This field may not be null."]
            continue
        try:
            values[name] = parse(raw)
        except _Invalid as exc:
            errors[name] = exc.messages
    _check_together(values, errors)
    if errors:
        raise ValidationError(errors)
    return values


def _check_together(values: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    """Rules between fields, for the fields that are valid on their own."""
    oversold, near, overbought = (values.get(f"rsi_{n}") for n in ("oversold", "near_oversold", "overbought"))
    if oversold is not None and near is not None and not oversold < near:
        errors.setdefault("rsi_oversold", []).append(f"Must be below rsi_near_oversold ({_text(near)}).")
    if near is not None and overbought is not None and not near < overbought:
        errors.setdefault("rsi_overbought", []).append(f"Must be above rsi_near_oversold ({_text(near)}).")


def _text(value: Decimal) -> str:
    # "30" rather than "30.000000000000000000" (the column) or "3E+1" (normalize alone).
    return format(value.normalize(), "f")


def as_json(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values as the API shows them: decimals as strings."""
    return {name: _text(value) if isinstance(value, Decimal) else value for name, value in values.items()}


def trading_config_values(config: UserTradingConfig) -> dict[str, Any]:
    return {name: getattr(config, name) for name in presets.FIELD_NAMES}


def differs_from_default(values: Mapping[str, Any]) -> list[str]:
    defaults = presets.defaults()
    return [name for name in presets.FIELD_NAMES if values[name] != defaults[name]]
