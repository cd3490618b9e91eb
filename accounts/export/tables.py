"""What an export holds: every exported model's rows for one user, as plain JSON-able values,
read in chunks so a user with millions of fills is never all in memory."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import models

from auditlog.log_handler import logs_root

from .ownership import EXCLUDED, MASKED, exported_models, mask, owned_rows

CHUNK_SIZE = 1000


@dataclass(frozen=True)
class Table:
    label: str  # "app_label.ModelName"
    model: type[models.Model]
    columns: list[str]

    def rows(self, user: Any) -> Iterator[dict[str, Any]]:
        masked = MASKED.get(self.label, {})
        queryset = owned_rows(self.model, user).order_by("pk").values(*self.columns)
        for row in queryset.iterator(chunk_size=CHUNK_SIZE):
            for field, kind in masked.items():
                row[field] = mask(kind, row[field], row)
            yield {column: plain(row[column]) for column in self.columns}


def tables() -> list[Table]:
    """The exported tables in a stable order: the user's own row first, then by label."""
    found = [
        Table(model._meta.label, model, [f.attname for f in model._meta.concrete_fields])
        for model in exported_models()
    ]
    return sorted(found, key=lambda t: (t.label != "accounts.User", t.label))


def plain(value: Any) -> Any:
    """A column value as the export writes it: decimals as strings (exact), datetimes in ISO UTC."""
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def excluded() -> dict[str, str]:
    """Why each owned model is left out, for the export's `excluded` section and README."""
    return dict(sorted(EXCLUDED.items()))


def masked_fields() -> dict[str, list[str]]:
    return {label: sorted(fields) for label, fields in sorted(MASKED.items())}


def log_files(user: Any) -> list[Path]:
    """The user's service-log day files (auditlog/log_handler.py writes them besides the rows)."""
    folder = logs_root() / f"user_{user.pk}"
    return sorted(folder.glob("service_*.log")) if folder.is_dir() else []
