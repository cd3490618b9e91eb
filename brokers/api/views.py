"""Exchange accounts, the exchange catalogue and market metadata (reference/api.md)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdmin, IsTrader
from brokers import services
from brokers.errors import BrokerError, ExchangeUnavailable, RateLimited
from brokers.models import ExchangeConfig
from brokers.services_simulator import simulator_control, simulator_price_set
from brokers.simulator import SimulatorControlError

from . import serializers as s

LABEL = OpenApiParameter("label", str, description="Which account, when you have several on this exchange")


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The exchange cannot be reached right now; try again shortly."
    default_code = "exchange_unavailable"


def _own_config(request: Request, exchange: str) -> ExchangeConfig:
    """The caller's account on `exchange` (by ?label= when they have several); 404 otherwise."""
    configs = ExchangeConfig.objects.filter(user=request.user, exchange=exchange.lower())
    label = request.query_params.get("label") or (
        request.data.get("label") if isinstance(request.data, dict) else None
    )
    if label:
        configs = configs.filter(label=label)
    found = list(configs[:2])
    if not found:
        raise Http404
    if len(found) > 1:
        raise exceptions.ValidationError({"label": ["You have several accounts on this exchange: name one."]})
    return found[0]


class ExchangeConfigListView(generics.ListAPIView):
    """Your exchange accounts: keys masked, secrets never shown."""

    serializer_class = s.ExchangeConfigSerializer

    def get_queryset(self) -> QuerySet[ExchangeConfig]:
        if getattr(self, "swagger_fake_view", False):
            return ExchangeConfig.objects.none()
        return ExchangeConfig.objects.filter(user=self.request.user)


class ExchangeConfigView(APIView):
    permission_classes = (IsTrader,)

    @extend_schema(
        request=s.ExchangeConfigCreateSerializer,
        responses={201: s.ExchangeConfigSerializer},
        summary="Connect an exchange account (validated in the background)",
    )
    def post(self, request: Request, exchange: str) -> Response:
        serializer = s.ExchangeConfigCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        config = services.exchange_config_create(
            user=request.user, exchange=exchange, request=request, **serializer.validated_data
        )
        return Response(s.ExchangeConfigSerializer(config).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[LABEL], responses={204: None}, summary="Remove an exchange account")
    def delete(self, request: Request, exchange: str) -> Response:
        services.exchange_config_delete(config=_own_config(request, exchange), request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExchangeConfigValidateView(APIView):
    permission_classes = (IsTrader,)

    @extend_schema(
        request=None,
        parameters=[LABEL],
        responses={200: s.ExchangeConfigSerializer},
        summary="Check the account now: connect, permissions, balance",
    )
    def put(self, request: Request, exchange: str) -> Response:
        config = services.exchange_config_validate(config=_own_config(request, exchange), request=request)
        return Response(s.ExchangeConfigSerializer(config).data)


class ExchangeConfigModeView(APIView):
    permission_classes = (IsTrader,)

    @extend_schema(
        request=s.ModeSerializer,
        parameters=[LABEL],
        responses={200: s.ExchangeConfigSerializer},
        summary="Switch between testnet and live",
    )
    def put(self, request: Request, exchange: str) -> Response:
        serializer = s.ModeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        config = services.exchange_config_set_mode(
            config=_own_config(request, exchange), mode=serializer.validated_data["mode"], request=request
        )
        return Response(s.ExchangeConfigSerializer(config).data)


class ExchangeCatalogView(APIView):
    @extend_schema(responses={200: s.ExchangeSerializer(many=True)}, summary="Exchanges you can connect")
    def get(self, request: Request) -> Response:
        from brokers.adapters.registry import supported_exchanges

        return Response(s.ExchangeSerializer(supported_exchanges(), many=True).data)


def _markets(exchange: str) -> dict[str, Any]:
    from brokers.adapters.registry import public_adapter, supported_exchanges

    if exchange.lower() not in {entry["id"] for entry in supported_exchanges()}:
        raise Http404
    try:
        return public_adapter(exchange.lower()).load_markets()
    except (ExchangeUnavailable, RateLimited) as exc:
        raise ServiceUnavailable() from exc
    except BrokerError as exc:
        raise ServiceUnavailable(exc.message or None) from exc


class MarketListView(APIView):
    @extend_schema(
        responses={200: s.MarketSerializer(many=True)}, summary="Markets of an exchange with precision"
    )
    def get(self, request: Request, exchange: str) -> Response:
        markets = sorted(_markets(exchange).values(), key=lambda market: market.symbol)
        return Response(s.MarketSerializer(markets, many=True).data)


class MarketDetailView(APIView):
    @extend_schema(responses={200: s.MarketSerializer}, summary="One market (BTCUSDT or BTC/USDT)")
    def get(self, request: Request, exchange: str, symbol: str) -> Response:
        from brokers.symbols import normalize_symbol

        markets = _markets(exchange)
        unified = normalize_symbol(symbol, markets)
        if unified is None:
            raise Http404
        return Response(s.MarketSerializer(markets[unified]).data)


class SimulatorPriceView(APIView):
    """Admins steer the built-in exchange simulator's prices (e.g. to walk a DCA ladder down)."""

    permission_classes = (IsAdmin,)

    @extend_schema(request=s.SimulatorPriceSerializer, responses={200: dict}, summary="Set a simulator price")
    def put(self, request: Request, symbol: str) -> Response:
        serializer = s.SimulatorPriceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        price = serializer.validated_data["price"]
        return Response(
            _simulator_call(
                lambda: simulator_price_set(symbol=symbol, price=price, actor=request.user, request=request)
            )
        )


class SimulatorStateView(APIView):
    permission_classes = (IsAdmin,)

    @extend_schema(responses={200: dict}, summary="The simulator's markets, prices, accounts, faults")
    def get(self, request: Request) -> Response:
        return Response(_simulator_call(lambda: simulator_control().state()))


def _simulator_call(call: Any) -> Any:
    try:
        return call()
    except SimulatorControlError as exc:
        if exc.status == 404:
            raise Http404 from exc
        if exc.status in (400, 422):
            raise exceptions.ValidationError({"detail": [exc.detail]}) from exc
        raise ServiceUnavailable(f"The exchange simulator cannot be reached: {exc.detail}") from exc
