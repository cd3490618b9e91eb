"""Market data API (docs/user-guide/market-data.md): any trader reads series and candles; admins
track series, refresh them and upload CSV files."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.permissions import IsAdmin
from auditlog.services import record
from brokers.errors import BrokerError
from config.api.pagination import PageNumberPagination

from . import selectors, services
from . import serializers as s
from .models import MarketCandle, TrackedSeries


class ReadTraderWriteAdmin(BasePermission):
    message = "Your role does not allow this."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.has_role(Role.TRADER if request.method in SAFE_METHODS else Role.ADMIN)


class ProviderFailed(exceptions.APIException):
    # 503 with a detail, as every API of ours answers when a dependency fails (brokers/api/views.py).
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The market data provider failed; try again later."
    default_code = "provider_error"


class CandlePagination(PageNumberPagination):
    page_size = 1000  # a chart's worth of daily candles in one page
    max_page_size = 5000


class SeriesListView(generics.ListAPIView):
    """Tracked series with the gaps their last check found."""

    permission_classes = (ReadTraderWriteAdmin,)
    serializer_class = s.TrackedSeriesSerializer

    def get_queryset(self) -> QuerySet[TrackedSeries]:
        return selectors.tracked_series()

    @extend_schema(
        request=s.TrackSeriesSerializer,
        responses={201: s.TrackedSeriesSerializer},
        summary="Track a series (admin): refreshed now in the background, then after each NSE close",
    )
    def post(self, request: Request) -> Response:
        serializer = s.TrackSeriesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        series = services.series_track(actor=request.user, request=request, **serializer.validated_data)
        return Response(s.TrackedSeriesSerializer(series).data, status=status.HTTP_201_CREATED)


class SeriesRefreshView(APIView):
    permission_classes = (IsAdmin,)

    @extend_schema(
        request=None,
        responses={200: s.RefreshResultSerializer},
        summary="Refresh a series now (admin): fetch from its last candle, store, check gaps",
    )
    def post(self, request: Request, pk: int) -> Response:
        series = get_object_or_404(TrackedSeries, pk=pk)
        try:
            result = services.series_refresh(series=series)
        except BrokerError as exc:
            raise ProviderFailed(exc.message or None) from exc
        record(
            action="marketdata.refresh",
            actor=request.user,
            resource=series,
            changes={"fetched": result.fetched, "stored": result.stored, "gaps": len(result.gaps)},
            request=request,
        )
        body = {"series": series, "since": result.since, "fetched": result.fetched, "stored": result.stored}
        return Response(s.RefreshResultSerializer(body).data)


class CandleListView(generics.ListAPIView):
    permission_classes = (ReadTraderWriteAdmin,)
    serializer_class = s.CandleSerializer
    pagination_class = CandlePagination

    @extend_schema(
        parameters=[
            OpenApiParameter("source", str, required=True, description="yfinance, csv, simulator, ..."),
            OpenApiParameter("symbol", str, required=True, description="As tracked: RELIANCE.NS, BTC/USDT"),
            OpenApiParameter("interval", str, description="1m, 5m, 15m, 30m, 1h or 1d (default)"),
            OpenApiParameter("start", str, description="ISO date or date-time (UTC without an offset)"),
            OpenApiParameter("end", str, description="ISO date (the whole day) or date-time"),
        ],
        summary="Stored candles of a tracked series, oldest first",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[MarketCandle]:
        if getattr(self, "swagger_fake_view", False):
            return MarketCandle.objects.none()
        query = s.CandleQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = dict(query.validated_data)
        params["source"], params["symbol"] = (
            params["source"].strip().lower(),
            params["symbol"].strip().upper(),
        )
        tracked = TrackedSeries.objects.filter(
            source=params["source"], symbol=params["symbol"], interval=params["interval"]
        )
        if not tracked.exists():
            raise Http404
        return selectors.candles_for(**params)


class CsvUploadView(APIView):
    permission_classes = (IsAdmin,)
    parser_classes = (MultiPartParser, FormParser)

    @extend_schema(
        request={"multipart/form-data": s.CsvUploadSerializer},
        responses={201: s.UploadResultSerializer},
        summary="Upload candles as CSV (admin): stored as source 'csv', all lines or none",
    )
    def post(self, request: Request) -> Response:
        serializer = s.CsvUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        series, stored = services.csv_upload(
            data=data["file"].read(),
            symbol=data["symbol"],
            interval=data["interval"],
            calendar=data["calendar"],
            actor=request.user,
            request=request,
        )
        body = {"series": series, "stored": stored}
        return Response(s.UploadResultSerializer(body).data, status=status.HTTP_201_CREATED)
