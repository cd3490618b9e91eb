"""Exchange-account use cases: connect, validate, switch mode, delete. Audited, never echoing a
secret; validation failures reach the owner's live events."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.http import HttpRequest
from django.utils import timezone

from auditlog.services import record
from config.tasks import task_named
from notifications import events

from .adapters.session_cache import broker_session_forget
from .balances import balances_to_json
from .errors import AuthenticationFailed, BrokerError
from .models import ExchangeConfig, Mode
from .notices import key_invalid_tell
from .ratelimit import working_for

logger = logging.getLogger(__name__)

SIMULATOR = "simulator"
PAPER = "paper"
KOTAK_KINDS = ("kotak", "kotak_simulator")
# Sent by name: brokers/tasks.py imports this module.
VALIDATE_TASK = "brokers.tasks.validate_exchange_connection"


def _catalog() -> dict[str, dict[str, Any]]:
    from .adapters.registry import supported_exchanges

    return {entry["id"]: entry for entry in supported_exchanges()}


def _summary(config: ExchangeConfig) -> dict[str, Any]:
    """What the audit trail may say about an account: never a secret, the key only masked."""
    return {
        "exchange": config.exchange,
        "label": config.label,
        "mode": config.mode,
        "api_key": config.masked_key,
        "is_enabled": config.is_enabled,
    }


def exchange_config_create(
    *,
    user: Any,
    exchange: str,
    mode: str,
    api_key: str = "",
    api_secret: str = "",
    password: str = "",
    label: str = "default",
    price_source: str = "",
    mobile_number: str = "",
    ucc: str = "",
    mpin: str = "",
    totp_secret: str = "",
    request: HttpRequest | None = None,
) -> ExchangeConfig:
    """Store an account (credentials encrypted) and validate it in the background. A stock
    broker (Kotak Neo) takes its login too: consumer key and secret as api_key/api_secret, plus
    mobile number, UCC, MPIN and TOTP secret (brokers/services_kotak.py checks them)."""
    exchange = exchange.strip().lower()
    entry = _catalog().get(exchange)
    if entry is None:
        raise ValidationError(
            {"exchange": [f"Unknown exchange '{exchange}'. GET /api/v1/exchanges lists them."]}
        )
    if mode not in Mode.values or mode not in entry.get("modes", Mode.values):
        raise ValidationError(
            {"mode": [f"Mode must be one of {', '.join(entry.get('modes', Mode.values))}."]}
        )
    errors: dict[str, list[str]] = {}
    kind = str(entry.get("kind", ""))
    broker_login = {"mobile_number": mobile_number, "ucc": ucc, "mpin": mpin, "totp_secret": totp_secret}
    kotak_login = None
    if kind in KOTAK_KINDS:
        from .services_kotak import kotak_login_for_account

        try:
            kotak_login = kotak_login_for_account(
                kind=kind, api_key=api_key, api_secret=api_secret, **broker_login
            )
            api_key, api_secret, password = kotak_login.consumer_key, kotak_login.consumer_secret, ""
        except ValidationError as exc:
            errors.update(exc.message_dict)
    else:
        errors.update(
            {name: [f"{exchange} takes no {name}."] for name, value in broker_login.items() if value}
        )
    if kind == SIMULATOR and not api_key and not api_secret:
        # No key of their own: the simulator makes one for them, funded with test balances.
        from .services_simulator import simulator_key_provision
        from .simulator import SimulatorControlError

        try:
            api_key, api_secret = simulator_key_provision()
        except SimulatorControlError as exc:
            raise ValidationError({"exchange": [f"The simulator cannot be reached: {exc.detail}"]}) from None
    if not kind.startswith(PAPER) and kind not in KOTAK_KINDS:  # paper ledgers hold no key
        if not api_key:
            errors["api_key"] = ["This exchange needs an API key."]
        if not api_secret:
            errors["api_secret"] = ["This exchange needs an API secret."]
        if entry.get("needs_password") and not password:
            errors["password"] = [f"{exchange} needs the API passphrase too."]
    from .adapters.registry import EQUITIES, KOTAK_SIMULATOR

    paper_equities = entry.get("kind") == PAPER and entry.get("asset_class") == EQUITIES
    if paper_equities:
        # Only the Kotak simulator publishes NSE prices without an account of one's own.
        price_source = (price_source or KOTAK_SIMULATOR).strip().lower()
        if price_source != KOTAK_SIMULATOR:
            errors["price_source"] = [f"Paper NSE accounts fill at the prices of '{KOTAK_SIMULATOR}'."]
    elif entry.get("kind") == PAPER:
        price_source = (price_source or SIMULATOR).strip().lower()
        source = _catalog().get(price_source)
        if source is None or source.get("kind") == PAPER or source.get("asset_class") == EQUITIES:
            errors["price_source"] = ["Paper accounts fill at the prices of 'simulator' or a ccxt exchange."]
    if ExchangeConfig.objects.filter(user=user, exchange=exchange, label=label).exists():
        errors["label"] = [f"You already have a {exchange} account labelled '{label}'."]
    if errors:
        raise ValidationError(errors)

    config = ExchangeConfig(user=user, exchange=exchange, label=label, mode=mode, price_source=price_source)
    config.set_credentials(api_key=api_key, api_secret=api_secret, passphrase=password)
    if kotak_login is not None:
        config.set_broker_login(
            mobile_number=kotak_login.mobile_number,
            ucc=kotak_login.ucc,
            mpin=kotak_login.mpin,
            totp_secret=kotak_login.totp_secret,
        )
    try:
        with transaction.atomic():
            config.is_default = not ExchangeConfig.objects.filter(user=user, exchange=exchange).exists()
            config.save()
            if paper_equities:
                from .paper_equities.services import paper_equities_account_create

                paper_equities_account_create(config=config)
            elif entry.get("kind") == PAPER:
                from .services_paper import paper_account_create

                paper_account_create(config=config)
            record(
                action="exchange_account.create",
                actor=user,
                resource=config,
                request=request,
                changes=_summary(config),
            )
            transaction.on_commit(lambda: _enqueue_validation(config))
    except IntegrityError:
        raise ValidationError(
            {"label": [f"You already have a {exchange} account labelled '{label}'."]}
        ) from None
    return config


def _enqueue_validation(config: ExchangeConfig) -> None:
    task_named(VALIDATE_TASK).delay(config_id=str(config.pk), user_id=str(config.user_id))


def exchange_config_validate(*, config: ExchangeConfig, request: HttpRequest | None = None) -> ExchangeConfig:
    """Connect with the stored key: trading permission, withdrawals (a warning), balance. The
    result is stored on the account; a failure also goes to the owner's live events, and keys
    the exchange refused (not a network error, not a rate limit) to their notifications, once
    per refusal (the periodic validation does not repeat it while the keys stay refused)."""
    from .adapters.registry import adapter_for

    warnings: list[str] = []
    error = ""
    refused = False
    can_withdraw: bool | None = None
    balances: dict[str, dict[str, str]] | None = None  # None: not read, keep the last reading
    try:
        with working_for(config):
            adapter = adapter_for(config)
            try:
                check = adapter.check_account()
            finally:
                adapter.close()
        can_withdraw = check.can_withdraw
        balances = balances_to_json(check.balances)
        warnings = list(check.warnings)
        if not check.can_trade:
            error = "The key has no trading permission; enable spot trading for it on the exchange."
            refused = True
    except AuthenticationFailed as exc:  # the key, its signature or the broker login refused
        error = exc.message or type(exc).__name__
        refused = True
    except BrokerError as exc:
        error = exc.message or type(exc).__name__
    # New: the account was fine (or never checked), or failed another way, before this check.
    newly_refused = refused and (config.is_validated or config.last_error != error)
    now = timezone.now()
    read = {} if balances is None else {"balances": balances, "balances_at": now}
    with transaction.atomic():
        ExchangeConfig.objects.filter(pk=config.pk).update(
            is_validated=not error,
            last_validated=now,
            last_error=error,
            can_withdraw=can_withdraw,
            **read,
        )
        config.refresh_from_db()
        record(
            action="exchange_account.validate",
            actor=getattr(request, "user", None),
            owner=config.user,
            resource=config,
            request=request,
            changes={**_summary(config), "ok": not error, "error": error, "warnings": warnings},
        )
        if error:
            events.publish(
                config.user_id,
                events.LOG_CREATED,
                {
                    "level": "error",
                    "category": "exchange_validation",
                    "exchange": config.exchange,
                    "label": config.label,
                    "account_id": str(config.pk),
                    "message": f"{config.exchange} ({config.label}): {error}",
                },
            )
        if newly_refused:
            key_invalid_tell(config, error)
    if warnings:
        logger.info("exchange account %s validated with warnings: %s", config.pk, "; ".join(warnings))
    return config


def exchange_config_set_mode(*, config: ExchangeConfig, mode: str, request: HttpRequest) -> ExchangeConfig:
    if mode not in Mode.values:
        raise ValidationError({"mode": [f"Mode must be one of {', '.join(Mode.values)}."]})
    if mode == config.mode:
        return config
    with transaction.atomic():
        before = config.mode
        config.mode = mode
        # Testnet and live keys differ: the stored key is unproven in the new mode.
        config.is_validated = False
        config.save(update_fields=["mode", "is_validated", "updated_at"])
        record(
            action="exchange_account.mode_change",
            actor=request.user,
            resource=config,
            request=request,
            changes={
                "mode": {"before": before, "after": mode},
                "exchange": config.exchange,
                "label": config.label,
            },
        )
        transaction.on_commit(lambda: _enqueue_validation(config))
    return config


def exchange_config_delete(*, config: ExchangeConfig, request: HttpRequest) -> None:
    """Remove an account and its keys; refused (ValidationError) while positions reference it:
    their orders, fills and PnL are the trader's history and name the account they ran on."""
    with transaction.atomic():
        record(
            action="exchange_account.delete",
            actor=request.user,
            resource=config,
            request=request,
            changes=_summary(config),
        )
        was_default, user, exchange, config_id = config.is_default, config.user, config.exchange, config.pk
        try:
            config.delete()
        except ProtectedError as exc:  # the whole transaction, audit row included, rolls back
            raise ValidationError(
                {
                    "exchange": [
                        f"This account has {len(exc.protected_objects)} position(s) in its history, "
                        "so it cannot be removed. Close what is open and keep the account, or "
                        "replace its API keys."
                    ]
                },
                code="account_in_use",
            ) from None
        # Its broker session (Kotak Neo) goes with it, once the removal is committed.
        transaction.on_commit(lambda: broker_session_forget(account_id=config_id))
        if was_default:
            # Another account on that exchange, if any, becomes the default.
            successor = (
                ExchangeConfig.objects.filter(user=user, exchange=exchange).order_by("created_at").first()
            )
            if successor is not None:
                ExchangeConfig.objects.filter(pk=successor.pk).update(is_default=True)


def configs_to_validate() -> list[str]:
    """Ids of the enabled accounts the periodic validation checks: exchange and broker accounts
    (Kotak Neo's: a login and its limits), not paper ledgers, which have nothing to check."""
    ledgers = {PAPER} | {
        entry["id"] for entry in _catalog().values() if str(entry.get("kind", "")).startswith(PAPER)
    }
    return [
        str(pk)
        for pk in ExchangeConfig.objects.filter(is_enabled=True)
        .exclude(exchange__in=ledgers)
        .values_list("pk", flat=True)
    ]


def demo_account_ensure(*, user: object, api_key: str, api_secret: str) -> ExchangeConfig | None:
    """Give the demo trader their default simulator account (embedded mode), once."""
    if ExchangeConfig.objects.filter(user=user, exchange=SIMULATOR).exists():
        return None
    return exchange_config_create(
        user=user, exchange=SIMULATOR, mode="testnet", api_key=api_key, api_secret=api_secret, label="demo"
    )
