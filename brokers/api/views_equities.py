"""What an equities account holds, read from its broker: holdings, today's positions, funds and
the order book. Addressed like the other account routes (keys/{exchange}, ?label= when several).

Answers besides 200: 404 for an account that is not the caller's; 400 `not_equities` for a crypto
exchange account; 503 `exchange_unavailable` when the broker cannot be reached; 409
`broker_login_failed` when the broker refuses the stored login (the request was fine, the
account's credentials are not: the trader fixes the account, not the call) and 409
`broker_refused` for any other refusal, each with the broker's message in `detail`."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brokers import services_equities
from brokers.errors import AuthenticationFailed, BrokerError, ExchangeUnavailable, RateLimited
from config.api.errors import Conflict

from . import serializers as s
from .views import LABEL, ServiceUnavailable, _own_config


class NotEquitiesAccount(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "This is a crypto exchange account: holdings, positions and funds are for stock brokers."
    default_code = "not_equities"


EQUITIES_ERRORS = {
    400: OpenApiResponse(description="A crypto exchange account (code not_equities), or ?label= is needed"),
    404: OpenApiResponse(description="No such account of yours"),
    409: OpenApiResponse(
        description="The broker refused the stored login (code broker_login_failed) or the request "
        "(code broker_refused); `detail` carries the broker's message"
    ),
    503: OpenApiResponse(description="The broker cannot be reached (code exchange_unavailable)"),
}


def _equities_call(request: Request, exchange: str, read: Any) -> Any:
    """Run a read of the caller's equities account, answering the broker's failures."""
    config = _own_config(request, exchange)
    try:
        return read(config=config)
    except services_equities.NotEquities:
        raise NotEquitiesAccount() from None
    except (ExchangeUnavailable, RateLimited) as exc:
        raise ServiceUnavailable() from exc
    except AuthenticationFailed as exc:
        raise Conflict(
            exc.message or "The broker refused the stored login.", code="broker_login_failed"
        ) from exc
    except BrokerError as exc:
        raise Conflict(exc.message or "The broker refused the request.", code="broker_refused") from exc


class EquitiesHoldingsView(APIView):
    @extend_schema(
        parameters=[LABEL],
        responses={200: s.HoldingSerializer(many=True), **EQUITIES_ERRORS},
        summary="Holdings of an equities account (delivery shares)",
    )
    def get(self, request: Request, exchange: str) -> Response:
        holdings = _equities_call(request, exchange, services_equities.equities_holdings)
        return Response(s.HoldingSerializer(holdings, many=True).data)


class EquitiesPositionsView(APIView):
    @extend_schema(
        parameters=[LABEL],
        responses={200: s.EquityPositionSerializer(many=True), **EQUITIES_ERRORS},
        summary="Today's positions of an equities account, per product",
    )
    def get(self, request: Request, exchange: str) -> Response:
        positions = _equities_call(request, exchange, services_equities.equities_positions)
        return Response(s.EquityPositionSerializer(positions, many=True).data)


class EquitiesFundsView(APIView):
    @extend_schema(
        parameters=[LABEL],
        responses={200: s.FundsSerializer, **EQUITIES_ERRORS},
        summary="Funds of an equities account (INR)",
    )
    def get(self, request: Request, exchange: str) -> Response:
        funds = _equities_call(request, exchange, services_equities.equities_funds)
        return Response(s.FundsSerializer(funds).data)


class EquitiesOrdersView(APIView):
    @extend_schema(
        parameters=[LABEL],
        responses={200: s.EquityOrderSerializer(many=True), **EQUITIES_ERRORS},
        summary="Today's order book of an equities account, newest first",
    )
    def get(self, request: Request, exchange: str) -> Response:
        orders = _equities_call(request, exchange, services_equities.equities_orders)
        return Response(s.EquityOrderSerializer(orders, many=True).data)
