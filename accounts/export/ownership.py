"""Which rows of which model belong to one user, worked out from the models themselves.

A model's rows are a user's when a foreign key (or one-to-one) to the user model says whose they
are (`user`, `owner`...), or when a chain of foreign keys leads to a model whose rows are
(`DCAOrder -> Pyramid -> PositionGroup.user`, `PaperTrade -> PaperOrder -> PaperAccount ->
ExchangeConfig.user`). The user export writes every such model's rows (less EXCLUDED, with
MASKED fields masked); account deletion erases them. A model added later is picked up without
touching this file, unless its only user foreign keys name someone else (`OTHER_ACTOR_FIELDS`),
in which case it must be listed in `OWNER_FIELDS` or it is not treated as owned at all.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet

# Foreign keys to the user that name who ACTED on a row, not whose row it is: an admin who
# resolved an error, started an ML job or imported legacy data for someone.
OTHER_ACTOR_FIELDS: frozenset[str] = frozenset(
    {"created_by", "resolved_by", "activated_by", "approved_by", "reviewed_by", "requested_by"}
)

# Where the automatic choice would be wrong or ambiguous: the fields (OR-ed) that make a row a
# user's. An audit entry is the user's when they did it or when it concerns their account.
OWNER_FIELDS: dict[str, tuple[str, ...]] = {
    "auditlog.AuditLog": ("actor", "owner"),
    # The ML registry is platform data; `created_by` is the admin who started a job. Owned rows
    # are what that admin started (so deletion can find them); the export excludes them below.
    "mlops.TrainingJob": ("created_by",),
    "mlops.MLModel": ("created_by",),
    "mlops.RetrainingSchedule": ("created_by",),
    "backups.Backup": ("requested_by",),
}

# Owned models the export leaves out on purpose, each with the reason a reader is shown.
EXCLUDED: dict[str, str] = {
    "token_blacklist.OutstandingToken": (
        "Login refresh tokens: credentials, not data; they expire by themselves."
    ),
    "token_blacklist.BlacklistedToken": "Revoked login refresh tokens: credentials, not data.",
    "admin.LogEntry": (
        "Django admin change history of staff edits; it describes other users' objects. "
        "Your own changes are in the audit trail (auditlog.AuditLog)."
    ),
    "mlops.TrainingJob": "Platform model-training records: not personal data of the admin who started them.",
    "mlops.MLModel": "Platform machine-learning models: not personal data of the admin who trained them.",
    "mlops.RetrainingSchedule": "Platform retraining schedules: not personal data.",
    "backups.Backup": "Platform database backups: `requested_by` only names the admin who asked for one.",
    "accounts.DataExport": "Earlier exports of this data: files, listed under Profile > Export.",
}

MASK = "****"

# Fields never written as stored. A value is `mask(value)`: the API's masking where it shows the
# field at all, otherwise just whether it is set. Secrets are never decrypted, and the
# ciphertext never leaves the database either (it is bound to this row and this key).
MASKED: dict[str, dict[str, str]] = {
    "accounts.User": {
        "password": "set",
        "webhook_secret_encrypted": "set",
    },
    "accounts.UserSession": {"refresh_jti": "set"},
    "brokers.ExchangeConfig": {
        "api_key_encrypted": "last4",
        "api_secret_encrypted": "set",
        "passphrase_encrypted": "set",
        "mobile_number_encrypted": "set",
        "ucc_encrypted": "set",
        "mpin_encrypted": "set",
        "totp_secret_encrypted": "set",
    },
    "notifications.NotificationPreference": {"telegram_link_code_hash": "set"},
}


@dataclass(frozen=True)
class OwnerPath:
    """How one model reaches the user: `lookups` are OR-ed ORM paths ending at the user's pk."""

    label: str
    lookups: tuple[str, ...]

    def filter_for(self, user: Any) -> Q:
        condition = Q()
        for lookup in self.lookups:
            condition |= Q(**{lookup: user.pk})
        return condition


def _user_model() -> type[models.Model]:
    return apps.get_model(settings.AUTH_USER_MODEL)


def _forward_fks(model: type[models.Model]) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if field.is_relation and (field.many_to_one or field.one_to_one) and field.related_model
    ]


def _direct_owner_fields(model: type[models.Model]) -> tuple[str, ...]:
    label = model._meta.label
    if label in OWNER_FIELDS:
        return OWNER_FIELDS[label]
    user_model = _user_model()
    return tuple(
        field.name
        for field in _forward_fks(model)
        if field.related_model is user_model and field.name not in OTHER_ACTOR_FIELDS
    )


@cache
def owner_paths() -> dict[str, OwnerPath]:
    """Every owned model by label (`app_label.ModelName`), the user model itself included.

    Breadth first from the models that point at the user directly, so each model gets its
    shortest chain; a model with several chains of the same length takes its first foreign key
    (field order), which is enough: every chain ends at the same owner.
    """
    user_model = _user_model()
    paths: dict[str, OwnerPath] = {
        user_model._meta.label: OwnerPath(user_model._meta.label, ("pk",)),
    }
    all_models = [m for m in apps.get_models() if m is not user_model]
    queue: deque[type[models.Model]] = deque()
    for model in all_models:
        fields = _direct_owner_fields(model)
        if fields:
            paths[model._meta.label] = OwnerPath(model._meta.label, tuple(f"{f}_id" for f in fields))
            queue.append(model)
    # Which models point at a given model, to walk the chains outwards from the owned ones.
    pointing_at: dict[type[models.Model], list[tuple[type[models.Model], str]]] = {}
    for model in all_models:
        for field in _forward_fks(model):
            if field.related_model is not user_model:
                pointing_at.setdefault(field.related_model, []).append((model, field.name))
    while queue:
        target = queue.popleft()
        target_path = paths[target._meta.label]
        for model, field_name in pointing_at.get(target, []):
            label = model._meta.label
            if label in paths:
                continue
            lookups = tuple(f"{field_name}__{lookup}" for lookup in target_path.lookups)
            paths[label] = OwnerPath(label, lookups)
            queue.append(model)
    return paths


def owner_path(model: type[models.Model]) -> OwnerPath | None:
    """How `model`'s rows reach their user, or None when they belong to nobody."""
    return owner_paths().get(model._meta.label)


def owned_models() -> list[type[models.Model]]:
    """Every model with rows that belong to a user, in `apps.get_models()` order."""
    paths = owner_paths()
    return [m for m in apps.get_models() if m._meta.label in paths]


def owned_rows(model: type[models.Model], user: Any) -> QuerySet:
    """The rows of `model` that are `user`'s; raises LookupError for a model no user owns."""
    path = owner_path(model)
    if path is None:
        raise LookupError(f"{model._meta.label} has no rows that belong to a user")
    return model._default_manager.filter(path.filter_for(user))


def exported_models() -> list[type[models.Model]]:
    """The owned models the export writes (all but EXCLUDED)."""
    return [m for m in owned_models() if m._meta.label not in EXCLUDED]


def mask(kind: str, value: Any, row: Mapping[str, Any]) -> str:
    """A masked field's value as the export writes it, from the row's other (clear) columns:
    never the stored value. `last4` is the key as the API shows it (`****abcd`)."""
    if not value:
        return ""
    if kind == "last4" and row.get("api_key_last4"):
        return f"{MASK}{row['api_key_last4']}"
    return MASK
