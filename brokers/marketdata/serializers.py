from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from rest_framework import serializers

from .models import CalendarKind, CandleInterval, MarketCandle, TrackedSeries

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _decimal() -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=36, decimal_places=18, coerce_to_string=True, normalize_output=True, read_only=True
    )


class TrackedSeriesSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrackedSeries
        fields = (
            "id",
            "source",
            "symbol",
            "interval",
            "calendar",
            "is_active",
            "last_refreshed",
            "last_error",
            "gap_count",
            "gaps",
            "created_at",
        )
        read_only_fields = fields


_SYMBOL = r"^[A-Za-z0-9][A-Za-z0-9.&/_^=-]{0,39}$"


class TrackSeriesSerializer(serializers.Serializer):
    source = serializers.CharField(
        max_length=32, help_text="yfinance, or a broker id: simulator, kotak_simulator"
    )
    symbol = serializers.RegexField(_SYMBOL, help_text="RELIANCE.NS for yfinance, BTC/USDT for the simulator")
    interval = serializers.ChoiceField(choices=CandleInterval.choices, default=CandleInterval.DAY_1)
    calendar = serializers.ChoiceField(
        choices=CalendarKind.choices,
        required=False,
        help_text="nse: daily gaps are checked against NSE trading days (default for .NS/.BO and Kotak)",
    )


class CandleSerializer(serializers.ModelSerializer):
    open = _decimal()
    high = _decimal()
    low = _decimal()
    close = _decimal()
    volume = _decimal()

    class Meta:
        model = MarketCandle
        fields = ("opened_at", "open", "high", "low", "close", "volume")
        read_only_fields = fields


class _Moment(serializers.Field):
    """An ISO date (the whole day, UTC) or an ISO date-time (UTC when it has no offset)."""

    default_error_messages = {
        "invalid": "Use an ISO date (2025-01-31) or date-time (2025-01-31T09:15:00+05:30)."
    }

    def __init__(self, *, end_of_day: bool = False, **kwargs: Any) -> None:
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> datetime:
        text = str(data).strip()
        try:
            if len(text) == 10:
                day = date.fromisoformat(text)
                start = datetime.combine(day, time(0), tzinfo=UTC)
                return start + timedelta(days=1, microseconds=-1) if self.end_of_day else start
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        except (ValueError, OverflowError):  # OverflowError: days at the ends of the calendar
            self.fail("invalid")

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


class CandleQuerySerializer(serializers.Serializer):
    source = serializers.CharField(max_length=32)
    symbol = serializers.CharField(max_length=40)
    interval = serializers.ChoiceField(choices=CandleInterval.choices, default=CandleInterval.DAY_1)
    start = _Moment(required=False)
    end = _Moment(required=False, end_of_day=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "start" in attrs and "end" in attrs and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": ["The end is before the start."]})
        return attrs


class CsvUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV: date or timestamp, open, high, low, close[, volume]")
    symbol = serializers.RegexField(_SYMBOL)
    interval = serializers.ChoiceField(choices=CandleInterval.choices, default=CandleInterval.DAY_1)
    calendar = serializers.ChoiceField(choices=CalendarKind.choices, default=CalendarKind.NONE)

    def validate_file(self, value: Any) -> Any:
        if value.size > MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(
                f"The file is over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; split it."
            )
        return value


class UploadResultSerializer(serializers.Serializer):
    series = TrackedSeriesSerializer()
    stored = serializers.IntegerField(help_text="Candles written (new or replaced)")


class RefreshResultSerializer(serializers.Serializer):
    series = TrackedSeriesSerializer()
    since = serializers.DateTimeField(
        allow_null=True, help_text="Fetched from this candle on (the last stored)"
    )
    fetched = serializers.IntegerField()
    stored = serializers.IntegerField()
