"""`GET market/candles`: live exchange candles for charts (docs/user-guide/positions.md).

The candles come from the caller's own account on the exchange (their adapter, so the fleet rate
limiter applies) and are shared between users through the cache (brokers/candles.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from django.http import Http404
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brokers.candles import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    TIMEFRAME_SECONDS,
    CandleSeries,
    CandlesUnavailable,
    candles_read,
)
from brokers.errors import TRANSIENT_ERRORS, BrokerError
from brokers.models import ExchangeConfig

from .views import ServiceUnavailable

DECIMAL = {"max_digits": 36, "decimal_places": 18, "coerce_to_string": True, "normalize_output": True}
EPOCH_MS = re.compile(r"[0-9]{1,15}")


class SinceField(serializers.Field):
    """Epoch milliseconds (as ccxt takes them) or an ISO date-time (UTC without an offset)."""

    default_error_messages = {"invalid": "Give epoch milliseconds or an ISO 8601 date-time."}

    def to_internal_value(self, data: Any) -> datetime:
        text = str(data).strip()
        if EPOCH_MS.fullmatch(text):
            return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
        try:
            parsed = parse_datetime(text)
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail("invalid")
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


class LiveCandleQuerySerializer(serializers.Serializer):
    exchange = serializers.CharField(max_length=32, required=False, default="")
    account = serializers.UUIDField(required=False, default=None)
    symbol = serializers.CharField(max_length=64)
    timeframe = serializers.ChoiceField(choices=list(TIMEFRAME_SECONDS), default="1h")
    since = SinceField(required=False, default=None)
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs["exchange"] and attrs["account"] is None:
            raise serializers.ValidationError({"exchange": ["Name the exchange (or the account)."]})
        return attrs


class LiveCandleSerializer(serializers.Serializer):
    time = serializers.IntegerField(help_text="Opening time, epoch seconds (UTC)")
    open = serializers.CharField()
    high = serializers.CharField()
    low = serializers.CharField()
    close = serializers.CharField()
    volume = serializers.CharField()


class LiveCandlesSerializer(serializers.Serializer):
    exchange = serializers.CharField()
    symbol = serializers.CharField()
    timeframe = serializers.CharField()
    tick_size = serializers.DecimalField(**DECIMAL)
    amount_step = serializers.DecimalField(**DECIMAL, allow_null=True)
    candles = LiveCandleSerializer(many=True)


def candle_account(*, user: Any, exchange: str, account_id: Any) -> ExchangeConfig:
    """The caller's account to read candles through: the one named, else their default (then
    enabled) account on `exchange`. Another user's account is 404."""
    configs = ExchangeConfig.objects.filter(user=user)
    if account_id is not None:
        config = configs.filter(pk=account_id).first()
        if config is None:
            raise Http404
        if exchange and config.exchange != exchange.strip().lower():
            raise exceptions.ValidationError(
                {"account": [f"This account is on {config.exchange}, not {exchange}."]}
            )
        return config
    config = (
        configs.filter(exchange=exchange.strip().lower())
        .order_by("-is_default", "-is_enabled", "created_at")
        .first()
    )
    if config is None:
        raise exceptions.ValidationError({"exchange": [f"You have no account on {exchange}."]})
    return config


class LiveCandlesView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("exchange", str, description="Exchange id: simulator, paper, binance, ..."),
            OpenApiParameter("account", str, description="Your account id (instead of, or with, exchange)"),
            OpenApiParameter("symbol", str, required=True, description="BTC/USDT or BTCUSDT"),
            OpenApiParameter("timeframe", str, enum=list(TIMEFRAME_SECONDS), description="Default 1h"),
            OpenApiParameter(
                "since", str, description="Epoch ms or ISO date-time: the first candles from then"
            ),
            OpenApiParameter("limit", int, description=f"1 to {MAX_LIMIT}, default {DEFAULT_LIMIT}"),
        ],
        responses={
            200: LiveCandlesSerializer,
            400: OpenApiResponse(
                description="A bad parameter, no account of yours on the exchange, a market or timeframe "
                "it does not have, or the exchange refused the request: `errors` names the field"
            ),
            404: OpenApiResponse(description="`account` is not one of your accounts"),
            503: OpenApiResponse(description="The exchange cannot be reached (code exchange_unavailable)"),
        },
        summary="Live candles from the exchange, oldest first, with the market's tick size",
    )
    def get(self, request: Request) -> Response:
        query = LiveCandleQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        config = candle_account(user=request.user, exchange=params["exchange"], account_id=params["account"])
        try:
            series: CandleSeries = candles_read(
                config=config,
                symbol=params["symbol"].strip(),
                timeframe=params["timeframe"],
                since=params["since"],
                limit=params["limit"],
            )
        except CandlesUnavailable as exc:
            raise exceptions.ValidationError({exc.field: [exc.message]}) from exc
        except TRANSIENT_ERRORS as exc:
            raise ServiceUnavailable() from exc
        except BrokerError as exc:
            raise exceptions.ValidationError(
                {"exchange": [exc.message or "The exchange refused the request."]}
            ) from exc
        return Response(LiveCandlesSerializer(series).data)
