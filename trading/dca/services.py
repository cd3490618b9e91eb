"""DCA configuration use cases: create, update, delete (audited) and the grid preview.

Every rule of the grid lives in trading.dca.grid; this module turns its GridError into a Django
ValidationError naming the field a user has to change, and checks what needs the database or
the exchange (the account is theirs, the symbol exists, one configuration per key).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from accounts.models import User
from auditlog.services import record
from brokers.adapters.base import Market
from brokers.errors import BadSymbol, BrokerError, ExchangeUnavailable, RateLimited
from brokers.models import ExchangeConfig
from trading.dca.grid import (
    MAX_TP_PERCENT,
    GridError,
    Level,
    capital_from_3commas,
    compute_grid,
    levels_from_3commas,
    plain,
    validate_levels,
)
from trading.dca.ladder import LadderStep, ladder, max_deviation_percent
from trading.dca.models import DCAConfig, Form
from trading.dca.timeframes import TimeframeInvalid, canonical_timeframe

THREECOMMAS_REQUIRED = (
    "base_order",
    "safety_order",
    "safety_orders",
    "step_percent",
    "step_scale",
    "volume_scale",
)
THREECOMMAS_FIELDS = (*THREECOMMAS_REQUIRED, "active_safety_orders")
# What a caller may set; `levels` is derived in the 3Commas form.
EDITABLE = (
    "account",
    "exchange",
    "symbol",
    "timeframe",
    "form",
    "levels",
    "pyramid_levels",
    *THREECOMMAS_FIELDS,
    "entry_order_type",
    "tp_mode",
    "tp_aggregate_percent",
    "trailing_deviation_percent",
    "stop_loss_percent",
    "max_pyramids",
    "cancel_dca_beyond_percent",
    "capital_per_pyramid",
    "max_total_exposure",
)


class MarketDataUnavailable(Exception):
    """The exchange's markets cannot be read now: a symbol can be neither accepted nor refused."""


def market_for(*, exchange: str, symbol: str) -> Market:
    from brokers.adapters.cache import public_market  # ccxt loads lazily, only when needed

    try:
        return public_market(exchange, symbol)
    except BadSymbol as exc:
        raise ValidationError({"symbol": [f"{exchange} has no market {symbol}."]}) from exc
    except (ExchangeUnavailable, RateLimited) as exc:
        raise MarketDataUnavailable(
            f"{exchange} cannot be reached to check {symbol}; try again shortly."
        ) from exc
    except BrokerError as exc:
        raise ValidationError({"exchange": [exc.message or f"Unknown exchange {exchange}."]}) from exc


def _text(value: Decimal) -> str:
    # "40" rather than "40.0000000000" (serializer quantization) or "4E+1" (normalize alone).
    return plain(value)


def _levels_json(levels: tuple[Level, ...]) -> list[dict[str, str]]:
    return [{name: _text(value) for name, value in dataclasses.asdict(level).items()} for level in levels]


def _parse_levels(raw: object, field: str, prefix: str = "") -> tuple[Level, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValidationError({field: [f"{prefix}a grid needs at least one level (the entry)."]})
    try:
        levels = tuple(Level(item["gap_percent"], item["weight_percent"], item["tp_percent"]) for item in raw)
        validate_levels(levels)
    except (GridError, KeyError, TypeError) as exc:
        raise ValidationError({field: [f"{prefix}{exc}"]}) from exc
    return levels


def _threecommas_field(message: str) -> str:
    """Which 3Commas field a GridError from levels_from_3commas is about."""
    for name in ("base_order", "step_scale", "safety_order", "tp_percent"):
        if name in message:
            return "tp_aggregate_percent" if name == "tp_percent" else name
    if "deviation" in message:
        return "step_percent"
    return "safety_order" if "volume" in message else "non_field_errors"


def grid_levels(fields: Mapping[str, Any]) -> tuple[Level, ...]:
    """The base grid of a configuration in either form; ValidationError names the field."""
    tp = fields.get("tp_aggregate_percent", Decimal(1))
    if not Decimal(0) < tp <= MAX_TP_PERCENT:
        raise ValidationError({"tp_aggregate_percent": [f"Must be positive and at most {MAX_TP_PERCENT}."]})
    if fields["form"] != Form.THREECOMMAS:
        return _parse_levels(fields.get("levels"), "levels")
    missing = [name for name in THREECOMMAS_REQUIRED if fields.get(name) is None]
    if missing:
        raise ValidationError({name: ["Required in the 3Commas form."] for name in missing})
    active = fields.get("active_safety_orders")
    if active is not None and active > fields["safety_orders"]:
        raise ValidationError({"active_safety_orders": ["Cannot exceed safety_orders."]})
    try:
        return levels_from_3commas(
            base_order=fields["base_order"],
            safety_order=fields["safety_order"],
            safety_orders=fields["safety_orders"],
            step_percent=fields["step_percent"],
            step_scale=fields["step_scale"],
            volume_scale=fields["volume_scale"],
            tp_percent=tp,
        )
    except GridError as exc:
        raise ValidationError({_threecommas_field(str(exc)): [str(exc)]}) from exc


def threecommas_capital(fields: Mapping[str, Any]) -> Decimal:
    """Base order + all safety orders, for fields grid_levels has already accepted."""
    return capital_from_3commas(**{name: fields[name] for name in THREECOMMAS_REQUIRED})


def _threecommas_capital(fields: Mapping[str, Any], *, sent: Decimal | None) -> Decimal:
    # 3Commas sizes are absolute quote amounts, so the capital is their sum, never a second,
    # contradicting input: a client still sending its own figure is told, not silently rescaled.
    capital = threecommas_capital(fields)
    if sent is not None and sent != capital:
        raise ValidationError(
            {
                "capital_per_pyramid": [
                    f"In the 3Commas form the capital per pyramid is the base order plus the safety "
                    f"orders, {plain(capital)}; leave it out or send that."
                ]
            }
        )
    return capital


def infer_form(fields: Mapping[str, Any], current: str | None = None) -> str:
    """An explicit `form` wins; otherwise what was sent says which form is meant."""
    if fields.get("form"):
        return str(fields["form"])
    if fields.get("levels") is not None:
        return Form.EXPLICIT
    if any(fields.get(name) is not None for name in THREECOMMAS_FIELDS):
        return Form.THREECOMMAS
    return current or Form.EXPLICIT


def _pyramid_levels(raw: object, max_pyramids: int) -> dict[str, list[dict[str, str]]] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValidationError({"pyramid_levels": ['Must be an object: {"1": [levels], ...}.']})
    cleaned = {}
    for key, levels in raw.items():
        if not (str(key).isdigit() and 1 <= int(key) <= max_pyramids):
            raise ValidationError(
                {"pyramid_levels": [f"pyramid {key!r}: keys are pyramid numbers 1 to {max_pyramids}."]}
            )
        cleaned[str(int(key))] = _levels_json(_parse_levels(levels, "pyramid_levels", f"pyramid {key}: "))
    return cleaned


def _account(user: User, account: object) -> ExchangeConfig | None:
    if account is None or isinstance(account, ExchangeConfig):
        return account
    found = ExchangeConfig.objects.filter(user=user, pk=account).first()
    if found is None:  # another user's account looks exactly like a missing one
        raise ValidationError({"account": ["No such exchange account."]})
    return found


def _timeframe(raw: str) -> str:
    if not raw:
        return ""
    try:
        return canonical_timeframe(raw.strip())[0]
    except TimeframeInvalid as exc:
        raise ValidationError({"timeframe": [f"{raw.strip()[:40]!r} {exc.problem}"]}) from exc


def _clean(
    *, user: User, data: dict[str, Any], sent: Mapping[str, Any], current_form: str | None
) -> dict[str, Any]:
    """Validated model field values from the merged `data`; `sent` is what this request named."""
    form = infer_form(sent, current_form)
    if form == Form.THREECOMMAS and sent.get("levels") is not None:
        raise ValidationError(
            {"levels": ["The 3Commas form derives levels; send levels or the 3Commas fields."]}
        )
    data["form"] = form
    account = _account(user, data.get("account"))
    exchange = str(data.get("exchange") or (account.exchange if account else "")).strip().lower()
    if not exchange:
        raise ValidationError({"exchange": ["This field is required."]})
    if account is not None and account.exchange != exchange:
        raise ValidationError({"account": [f"This account is on {account.exchange}, not {exchange}."]})
    data.update(account=account, exchange=exchange, timeframe=_timeframe(data.get("timeframe") or ""))
    levels = grid_levels(data)
    data["levels"] = _levels_json(levels)
    if form == Form.THREECOMMAS:
        data["capital_per_pyramid"] = _threecommas_capital(data, sent=sent.get("capital_per_pyramid"))
    data["pyramid_levels"] = _pyramid_levels(data.get("pyramid_levels"), data["max_pyramids"])
    if form == Form.EXPLICIT:  # stale 3Commas values would misdescribe the grid
        data.update(dict.fromkeys(THREECOMMAS_FIELDS))
    # The exchange is asked last: a config broken on its own is refused without a network call.
    data["symbol"] = market_for(exchange=exchange, symbol=str(data["symbol"])).symbol
    return data


def _check_unique(data: Mapping[str, Any], *, user: User, exclude: uuid.UUID | None) -> None:
    same = DCAConfig.objects.filter(user=user, symbol=data["symbol"], timeframe=data["timeframe"])
    if data["account"] is None:
        same = same.filter(account__isnull=True, exchange=data["exchange"])
    else:
        same = same.filter(account=data["account"])
    if same.exclude(pk=exclude).exists():
        raise ValidationError({"symbol": [_duplicate_message(data)]})


def _duplicate_message(data: Mapping[str, Any]) -> str:
    timeframe = data["timeframe"] or "the default (any) timeframe"
    where = f"account {data['account'].label}" if data["account"] is not None else data["exchange"]
    return f"You already have a DCA configuration for {data['symbol']} on {where}, {timeframe}."


def dca_config_snapshot(config: DCAConfig) -> dict[str, Any]:
    values = {name: getattr(config, name) for name in EDITABLE if name != "account"}
    values["account"] = str(config.account_id) if config.account_id else None
    return {k: _text(v) if isinstance(v, Decimal) else v for k, v in values.items()}


def _save(config: DCAConfig, data: Mapping[str, Any]) -> None:
    try:
        with transaction.atomic():
            config.save()
    except IntegrityError as exc:  # a concurrent request took the key between check and save
        raise ValidationError({"symbol": [_duplicate_message(data)]}) from exc


def dca_config_create(
    *, user: User, fields: Mapping[str, Any], request: HttpRequest | None = None
) -> DCAConfig:
    data = _clean(user=user, data={"max_pyramids": 5, **fields}, sent=fields, current_form=None)
    _check_unique(data, user=user, exclude=None)
    config = DCAConfig(user=user, **data)
    with transaction.atomic():
        _save(config, data)
        record(
            action="dca_config.create",
            actor=user,
            owner=user,
            resource=config,
            changes=dca_config_snapshot(config),
            request=request,
        )
    return config


def dca_config_update(
    *, config: DCAConfig, user: User, fields: Mapping[str, Any], request: HttpRequest | None = None
) -> DCAConfig:
    before = dca_config_snapshot(config)
    merged = {name: getattr(config, name) for name in EDITABLE} | dict(fields)
    data = _clean(user=user, data=merged, sent=fields, current_form=config.form)
    _check_unique(data, user=user, exclude=config.pk)
    for name, value in data.items():
        setattr(config, name, value)
    with transaction.atomic():
        _save(config, data)
        after = dca_config_snapshot(config)
        changes = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
        record(
            action="dca_config.update",
            actor=user,
            owner=config.user,
            resource=config,
            changes=changes,
            request=request,
        )
    return config


def dca_config_delete(*, config: DCAConfig, user: User, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        record(
            action="dca_config.delete",
            actor=user,
            owner=config.user,
            resource=config,
            changes=dca_config_snapshot(config),
            request=request,
        )
        config.delete()


def _preview_field(message: str) -> str:
    if "entry price" in message or "tick size" in message:
        return "entry_price"
    if "capital" in message or "minimum" in message:  # a leg too small: more capital fixes it
        return "capital"
    return "levels"


def ticker_price(*, exchange: str, symbol: str) -> Decimal:
    """The last traded price from the exchange's public ticker (the preview's default entry)."""
    from brokers.adapters.cache import public_adapter_lease

    try:
        with public_adapter_lease(exchange) as adapter:
            return adapter.fetch_ticker(symbol).last
    except (ExchangeUnavailable, RateLimited) as exc:
        raise MarketDataUnavailable(
            f"{exchange} cannot be reached for the {symbol} price; type one."
        ) from exc
    except BrokerError as exc:
        raise ValidationError({"entry_price": [f"No price for {symbol}: {exc.message or exc}"]}) from exc


def _preview_capital(fields: Mapping[str, Any], capital: Decimal | None) -> tuple[Decimal, str]:
    """(capital, where it came from). 3Commas sizes are absolute, so their sum is the default;
    another figure previews what a signal's own order size would do (it scales the grid)."""
    if capital is not None:
        return capital, "given"
    if fields["form"] == Form.THREECOMMAS:
        return threecommas_capital(fields), "threecommas"
    raise ValidationError({"capital": ["Required with explicit levels: the pyramid's capital in quote."]})


def dca_preview(
    *,
    config_fields: Mapping[str, Any],
    exchange: str,
    market: Market,
    entry_price: Decimal | None = None,
    capital: Decimal | None = None,
) -> dict[str, Any]:
    """One pyramid's legs (long) and what each fill does to the position, without trading or
    writing. No entry price: the ticker's last price; no capital: the 3Commas sum."""
    fields = {**config_fields, "form": infer_form(config_fields)}
    levels = grid_levels(fields)
    capital, capital_source = _preview_capital(fields, capital)
    entry_source = "given"
    if entry_price is None:
        entry_price, entry_source = ticker_price(exchange=exchange, symbol=market.symbol), "ticker"
    tp_percent = fields.get("tp_aggregate_percent", Decimal(1))
    try:
        legs = compute_grid(entry=entry_price, capital=capital, levels=levels, market=market)
        steps = ladder(
            entry=entry_price,
            fills=[(leg.price, leg.quantity) for leg in legs],
            tp_aggregate_percent=tp_percent,
            tick_size=market.tick_size,
        )
    except GridError as exc:
        raise ValidationError({_preview_field(str(exc)): [str(exc)]}) from exc
    return {
        "entry_price": entry_price,
        "entry_price_source": entry_source,
        "capital": capital,
        "capital_source": capital_source,
        "tick_size": market.tick_size,
        "step_size": market.step_size,
        "tp_aggregate_percent": tp_percent,
        "legs": [
            dataclasses.asdict(leg) | _ladder_fields(step, market)
            for leg, step in zip(legs, steps, strict=True)
        ],
        "total_notional": sum((leg.notional for leg in legs), Decimal(0)),
        "max_deviation_percent": _percent(max_deviation_percent(steps)),
    }


PERCENT_PLACES = Decimal("0.01")


def _percent(value: Decimal) -> Decimal:
    return value.quantize(PERCENT_PLACES)


def _ladder_fields(step: LadderStep, market: Market) -> dict[str, Decimal]:
    # Shown to the market's precision: the average on the tick (it is a reference, not an order,
    # so to the nearest tick), percentages to a hundredth as 3Commas shows them.
    return {
        "deviation_percent": _percent(step.deviation_percent),
        "cumulative_quantity": step.cumulative_quantity,
        "cumulative_notional": step.cumulative_notional,
        "average_price": step.average_price.quantize(market.tick_size.normalize()),
        "average_tp_price": step.tp_price,
        "rebound_percent": _percent(step.rebound_percent),
    }


def demo_dca_config_ensure(*, user: User) -> DCAConfig | None:
    """Embedded mode: the demo trader can send the alert template at once. A default grid for
    BTC/USDT on the simulator (any timeframe), three legs, 1000 USDT per pyramid; once."""
    if DCAConfig.objects.filter(user=user).exists():
        return None
    return dca_config_create(
        user=user,
        fields={
            "exchange": "simulator",
            "symbol": "BTC/USDT",
            "timeframe": "",
            "levels": [
                {"gap_percent": "0", "weight_percent": "40", "tp_percent": "1"},
                {"gap_percent": "-1", "weight_percent": "30", "tp_percent": "1"},
                {"gap_percent": "-2", "weight_percent": "30", "tp_percent": "1.5"},
            ],
            "capital_per_pyramid": Decimal(1000),
        },
    )
