"""Filter fields shared by every list endpoint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet, Value
from django.db.models.functions import Replace
from django_filters.fields import IsoDateTimeField

# Real time zones span UTC-12 to UTC+14; the database refuses offsets much beyond that.
_MAX_OFFSET = timedelta(hours=14)


class UTCIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value: object) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        offset = parsed.utcoffset()
        if offset is not None and abs(offset) > _MAX_OFFSET:
            raise forms.ValidationError("The time zone offset must be between -14:00 and +14:00.")
        try:
            return parsed.astimezone(UTC) if offset is not None else parsed
        except OverflowError:
            raise forms.ValidationError("The date is out of range.") from None


class UTCIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """ISO 8601 date-time, converted to UTC (times are UTC in the database)."""

    field_class = UTCIsoDateTimeField


class SymbolFilter(django_filters.CharFilter):
    """A market symbol as people and paths write it (`BTCUSDT`) or as rows hold it (`BTC/USDT`)."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("label", "BTCUSDT or BTC/USDT")
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def filter(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        if not value:
            return qs
        compact = value.strip().upper().replace("/", "")
        return qs.alias(compact_symbol=Replace(self.field_name, Value("/"), Value(""))).filter(
            compact_symbol=compact
        )
