"""A user with at least one row in every model that can belong to a user.

The rows the engine would write come from the trading factories (groups, pyramids, orders,
fills, signals); every other owned model gets one row built from its field types, so a model
added later is covered by the export tests without anyone remembering to add it here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from accounts.export.ownership import EXCLUDED, owned_models, owned_rows
from auditlog.services import record
from brokers.models import ExchangeConfig
from tests.trading.factories import SignalFactory, UnknownExchangeOrderFactory, group_with_legs

# Secrets a test plants for the user, to look for in the exported bytes.
API_KEY = "AKIAEXPORTKEY0000wxyz"
API_SECRET = "exp0rt-s3cret-never-leaves-the-db-1234567890"
PASSPHRASE = "passphrase-for-the-export-test"


def _value(field: models.Field, user: Any) -> Any:
    """A valid value for a required column, from its type."""
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.EmailField):
        return f"{uuid.uuid4().hex[:10]}@example.com"
    if isinstance(field, models.GenericIPAddressField):
        return "192.0.2.10"
    if isinstance(field, models.CharField | models.TextField):
        text = f"x{uuid.uuid4().hex}"
        return text[: field.max_length] if field.max_length else text
    if isinstance(field, models.DecimalField):
        return Decimal(1)
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.IntegerField | models.FloatField):
        return 1
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return timezone.now().date()
    if isinstance(field, models.TimeField):
        return dt.time(12, 0)
    if isinstance(field, models.DurationField):
        return dt.timedelta(seconds=60)
    if isinstance(field, models.JSONField):
        return {}
    raise NotImplementedError(f"no generic value for {field!r}")


def _needs_value(field: models.Field) -> bool:
    return not (
        field.primary_key
        or field.null
        or (field.has_default() and field.get_default() is not None)
        or getattr(field, "auto_now", False)
        or getattr(field, "auto_now_add", False)
    )


def _parent(model: type[models.Model], user: Any) -> models.Model | None:
    """A row of `model` for a foreign key: the user's own if the model is owned, else a new one."""
    if model._meta.label in {m._meta.label for m in owned_models()}:
        return owned_rows(model, user).first()
    return build(model, user)


def build(model: type[models.Model], user: Any) -> models.Model | None:
    """One row of `model` with every required column filled; None while a parent is missing."""
    values: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.is_relation:
            if field.related_model._meta.label == user._meta.label:
                values[field.name] = user
            elif not field.null:
                parent = _parent(field.related_model, user)
                if parent is None:
                    return None
                values[field.name] = parent
        elif _needs_value(field):
            values[field.name] = _value(field, user)
    with transaction.atomic():
        return model._default_manager.create(**values)


def give_everything(user: Any) -> None:
    """Rows for `user` in every owned model (see the module docstring)."""
    account = ExchangeConfig(user=user, exchange="simulator", label="main", mode="testnet")
    account.set_credentials(api_key=API_KEY, api_secret=API_SECRET, passphrase=PASSPHRASE)
    account.save()
    group_with_legs(user=user, account=account, filled=2, total=3, pyramids=2)
    SignalFactory(user=user)
    UnknownExchangeOrderFactory(user=user, account=account)
    record(action="test.done_by_user", actor=user, owner=user)
    record(action="test.done_to_user", actor=None, owner=user)
    # The excluded models need no rows (and a queued DataExport would stand in for the export
    # the test asks for).
    pending = [
        m for m in owned_models() if m._meta.label not in EXCLUDED and not owned_rows(m, user).exists()
    ]
    # Parents before children: repeat until a pass creates nothing more.
    while pending:
        left = []
        for model in pending:
            try:
                row = build(model, user)
            except IntegrityError as exc:
                raise AssertionError(f"cannot build a {model._meta.label}: {exc}") from exc
            if row is None:
                left.append(model)
        if len(left) == len(pending):
            raise AssertionError(f"no rows could be built for {[m._meta.label for m in left]}")
        pending = left
