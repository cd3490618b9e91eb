"""A trader's NSE strategy settings: read (created lazily with the defaults), change with every
problem named per field, and where its candles come from.

A change is validated as a whole, audited with the values before and after, and re-syncs the
seven tasks' beat rows in the same transaction (services/schedules.py)."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from auditlog.services import record
from trading.equities.models import EquitiesStrategy
from trading.equities.schedule_defaults import DEFAULT_SCHEDULE, TIMEZONE, schedule_with_defaults
from trading.equities.services.schedules import strategy_schedules_sync
from trading.equities.strategy.params import InvalidStrategyParams, StrategyParams
from trading.settings.schedule_rules import cron_problem

AUDIT_ACTION = "equities_strategy.update"
EDITABLE = ("enabled", "account", "universe", "market_data_source", "params", "schedule", "timezone")
MAX_UNIVERSE = 500
SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9&_.-]{0,29}$")
YFINANCE = "yfinance"
RULE_NAMES = frozenset(StrategyParams().to_mapping())


def strategy_for(user: Any) -> EquitiesStrategy:
    strategy, _ = EquitiesStrategy.objects.get_or_create(
        user=user, defaults={"params": StrategyParams().to_mapping(), "schedule": dict(DEFAULT_SCHEDULE)}
    )
    return strategy


def strategy_params(strategy: EquitiesStrategy) -> StrategyParams:
    """The rules as saved; a value saved before a rule existed falls back to its default."""
    known = {name: value for name, value in (strategy.params or {}).items() if name in RULE_NAMES}
    try:
        return StrategyParams.from_mapping(known)
    except InvalidStrategyParams:
        return StrategyParams()


def strategy_schedule(strategy: EquitiesStrategy) -> dict[str, str]:
    """Every task's cron: the trader's, else the default."""
    return schedule_with_defaults(strategy.schedule)


def candle_source(strategy: EquitiesStrategy) -> str:
    """Where the analysis reads daily candles: the trader's choice, else the account's broker
    (a paper account: the prices it trades at; Kotak Neo publishes no history: Yahoo)."""
    if strategy.market_data_source:
        return strategy.market_data_source
    account = strategy.account
    if account is None:
        return "kotak_simulator"
    if account.exchange == "paper_nse":
        from brokers.paper_equities.kind import price_source_of

        return price_source_of(account)
    if account.exchange == "kotak_neo":
        return YFINANCE
    return account.exchange


def candle_symbol(source: str, symbol: str) -> str:
    """The symbol as the source names it: Yahoo wants RELIANCE.NS."""
    return f"{symbol}.NS" if source == YFINANCE and "." not in symbol else symbol


def strategy_values(strategy: EquitiesStrategy) -> dict[str, Any]:
    return {
        "enabled": strategy.enabled,
        "account": str(strategy.account_id) if strategy.account_id else None,
        "universe": list(strategy.universe or []),
        "market_data_source": strategy.market_data_source,
        "params": strategy_params(strategy).to_mapping(),
        "schedule": strategy_schedule(strategy),
        "timezone": strategy.timezone,
    }


def _clean(user: Any, data: Mapping[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    unknown = [name for name in data if name not in EDITABLE]
    for name in unknown:
        errors[name] = [f"Unknown field; the fields are {', '.join(EDITABLE)}."]
    out = dict(current)

    if "enabled" in data:
        if not isinstance(data["enabled"], bool):
            errors["enabled"] = ["Must be true or false."]
        else:
            out["enabled"] = data["enabled"]

    if "account" in data:
        out["account"] = None
        raw = data["account"]
        if raw not in (None, ""):
            account = _account(user, raw)
            if isinstance(account, str):
                errors["account"] = [account]
            else:
                out["account"] = str(account.pk)

    if "universe" in data:
        raw = data["universe"]
        if isinstance(raw, str):
            raw = [part for part in re.split(r"[\s,]+", raw) if part]
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            errors["universe"] = ['Must be a list of NSE symbols, such as ["RELIANCE", "TCS"].']
        else:
            symbols: list[str] = []
            bad = []
            for item in raw:
                symbol = item.strip().upper().removesuffix("-EQ")
                if not SYMBOL.match(symbol):
                    bad.append(item[:40])
                elif symbol not in symbols:
                    symbols.append(symbol)
            if bad:
                errors["universe"] = [f"Not an NSE symbol: {', '.join(bad[:10])}."]
            elif len(symbols) > MAX_UNIVERSE:
                errors["universe"] = [f"At most {MAX_UNIVERSE} symbols."]
            else:
                out["universe"] = symbols

    if "market_data_source" in data:
        source = str(data["market_data_source"] or "").strip().lower()
        if source:
            from brokers.marketdata.providers import source_is_known

            if not source_is_known(source):
                errors["market_data_source"] = [f"Unknown candle source {source[:32]!r}."]
        out["market_data_source"] = source

    if "params" in data:
        raw = data["params"]
        if not isinstance(raw, Mapping):
            errors["params"] = ["Must be an object of rule fields."]
        else:
            try:
                merged = {**current["params"], **raw}
                out["params"] = StrategyParams.from_mapping(merged).to_mapping()
            except InvalidStrategyParams as exc:
                # One key per rule, dotted: the form shows each next to its field.
                errors.update({f"params.{name}": [message] for name, message in exc.errors.items()})

    if "schedule" in data:
        raw = data["schedule"]
        if not isinstance(raw, Mapping):
            errors["schedule"] = ["Must be an object of {task: cron}."]
        else:
            problems = {}
            schedule = dict(current["schedule"])
            for task, cron in raw.items():
                if task not in DEFAULT_SCHEDULE:
                    problems[str(task)[:40]] = [f"Unknown task; the tasks are {', '.join(DEFAULT_SCHEDULE)}."]
                    continue
                cron = str(cron or DEFAULT_SCHEDULE[task]).strip()
                problem = cron_problem(cron)
                if problem:
                    problems[task] = [problem]
                else:
                    schedule[task] = cron
            errors.update({f"schedule.{task}": messages for task, messages in problems.items()})
            out["schedule"] = schedule

    if "timezone" in data:
        name = str(data["timezone"] or TIMEZONE)
        try:
            if len(name) > 64:  # the column's size; no zone name is longer
                raise ValueError(name)
            zoneinfo.ZoneInfo(name)
            out["timezone"] = name
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            errors["timezone"] = [f"Unknown time zone {name[:64]!r}; for example Asia/Kolkata."]

    if not errors and out["enabled"]:
        if not out["account"]:
            errors["account"] = ["Choose the broker account that trades before you turn the strategy on."]
        if not out["universe"]:
            errors["universe"] = ["List the stocks to scan before you turn the strategy on."]
    if errors:
        raise ValidationError(errors)
    return out


def _account(user: Any, raw: Any) -> Any:
    from brokers.adapters.registry import asset_class_of
    from brokers.models import ExchangeConfig

    try:
        account = ExchangeConfig.objects.filter(user=user, pk=str(raw)).first()
    except (ValueError, ValidationError):
        account = None
    if account is None:
        return "No such account of yours."
    if asset_class_of(account.exchange) != "equities":
        return (
            f"{account.exchange} is not a stock broker; choose a Kotak Neo, Kotak simulator or "
            "paper NSE account."
        )
    return account


def strategy_update(
    *, user: Any, data: Mapping[str, Any], actor: Any = None, request: HttpRequest | None = None
) -> EquitiesStrategy:
    """Change some settings; the result must be valid as a whole (ValidationError per field)."""
    with transaction.atomic():
        strategy_for(user)
        strategy = EquitiesStrategy.objects.select_for_update().get(user=user)
        before = strategy_values(strategy)
        after = _clean(user, data, before)
        changed = [name for name in EDITABLE if after[name] != before[name]]
        if not changed:
            return strategy
        for name in changed:
            if name == "account":
                strategy.account_id = after["account"]
            else:
                setattr(strategy, name, after[name])
        strategy.save()
        record(
            action=AUDIT_ACTION,
            actor=actor if actor is not None else user,
            owner=user,
            resource=strategy,
            request=request,
            changes={"before": {n: before[n] for n in changed}, "after": {n: after[n] for n in changed}},
        )
        strategy_schedules_sync(user_id=user.pk)
    strategy.refresh_from_db()
    return strategy
