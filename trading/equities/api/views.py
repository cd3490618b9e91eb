"""The NSE strategy's API (the issue 17 contract): its settings, its seven tasks, the analyses with
their recommendations, the holdings and the day summaries. Thin: the settings and task services do
the work, trading.equities.selectors the reads, already scoped to the caller (another trader's run
is a 404). Everyone reads their own; changing settings and running a task take the trader role."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import ReadOrTrade
from trading.equities import selectors
from trading.equities.api import serializers as s
from trading.equities.models import AnalysisRun, EquitiesStrategy, Recommendation, StrategyDay
from trading.equities.schedule_defaults import DEFAULT_SCHEDULE
from trading.equities.services import config
from trading.equities.services.runner import strategy_task_run_now
from trading.equities.services.schedules import strategy_tasks_overview
from trading.equities.strategy.params import StrategyParams
from trading.positions.models import PositionGroup

UUID_REGEX = "[0-9a-fA-F-]{36}"


def strategy_body(strategy: EquitiesStrategy) -> dict[str, Any]:
    """The settings as `GET equities/strategy` answers (also after a PATCH)."""
    accounts = selectors.equities_accounts(user=strategy.user)
    return {
        **config.strategy_values(strategy),
        "candle_source": config.candle_source(strategy),
        "defaults": {"params": StrategyParams().to_mapping(), "schedule": dict(DEFAULT_SCHEDULE)},
        "accounts": [{"id": a.pk, "exchange": a.exchange, "label": a.label} for a in accounts],
    }


class StrategySettingsView(APIView):
    permission_classes = (ReadOrTrade,)

    @extend_schema(responses={200: s.EquitiesStrategySerializer}, summary="Your NSE strategy's settings")
    def get(self, request: Request) -> Response:
        return Response(s.EquitiesStrategySerializer(strategy_body(config.strategy_for(request.user))).data)

    @extend_schema(
        request=s.EquitiesStrategyPatchSerializer,
        responses={
            200: s.EquitiesStrategySerializer,
            400: OpenApiResponse(description="Field errors; params and schedule errors nest per field"),
        },
        summary="Change some settings of your NSE strategy (params and schedule are merged)",
    )
    def patch(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["Expected a JSON object of settings."]})
        strategy = config.strategy_update(
            user=request.user, data=dict(request.data), actor=request.user, request=request
        )
        return Response(s.EquitiesStrategySerializer(strategy_body(strategy)).data)


class StrategyTaskList(APIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        responses={200: s.StrategyTaskSerializer(many=True)},
        summary="The seven strategy tasks: schedule, next run and last outcome",
    )
    def get(self, request: Request) -> Response:
        config.strategy_for(request.user)  # a trader who never saved settings sees the default times
        rows = strategy_tasks_overview(user_id=request.user.pk)
        return Response(s.StrategyTaskSerializer(rows, many=True).data)


class StrategyTaskRunView(APIView):
    permission_classes = (ReadOrTrade,)

    @extend_schema(
        request=None,
        responses={
            202: s.TaskRunQueuedSerializer,
            400: OpenApiResponse(description="Unknown task"),
            403: OpenApiResponse(description="Your role does not allow trading"),
        },
        summary="Run one strategy task now, outside its schedule",
    )
    def post(self, request: Request, task: str) -> Response:
        if task not in DEFAULT_SCHEDULE:
            raise exceptions.ValidationError(
                {"task": [f"Unknown task {task[:40]!r}; the tasks are {', '.join(DEFAULT_SCHEDULE)}."]}
            )
        strategy_task_run_now(user=request.user, task=task, actor=request.user, request=request)
        return Response({"task": task, "queued": True}, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(get=extend_schema(summary="Your analysis runs, newest first"))
class AnalysisRunList(generics.ListAPIView):
    serializer_class = s.AnalysisRunSerializer
    permission_classes = (permissions.IsAuthenticated,)

    def get_queryset(self) -> QuerySet[AnalysisRun]:
        if getattr(self, "swagger_fake_view", False):
            return AnalysisRun.objects.none()
        return selectors.analysis_runs(user=self.request.user)


def run_detail_body(run: AnalysisRun) -> dict[str, Any]:
    run.result_list = selectors.run_analyses(run)
    run.recommendation_list = list(selectors.run_recommendations(run))
    return s.AnalysisRunDetailSerializer(run).data


class AnalysisRunDetail(APIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        responses={200: s.AnalysisRunDetailSerializer},
        summary="One analysis run: every symbol's verdict in rank order, and its recommendations",
    )
    def get(self, request: Request, run_id: str) -> Response:
        run = selectors.analysis_run(user=request.user, run_id=run_id)
        if run is None:
            raise exceptions.NotFound("No such analysis run of yours.")
        return Response(run_detail_body(run))


class LatestAnalysisView(APIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        responses={
            200: s.AnalysisRunDetailSerializer,
            404: OpenApiResponse(description="No analysis has run yet"),
        },
        summary="Your newest analysis run, as GET equities/analysis/runs/{id}",
    )
    def get(self, request: Request) -> Response:
        run = selectors.latest_analysis_run(user=request.user)
        if run is None:
            raise exceptions.NotFound(
                "No analysis has run yet: it runs at 16:00 on trading days, or run it now."
            )
        return Response(run_detail_body(run))


class ChartView(APIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        parameters=[s.ChartQuerySerializer],
        responses={200: s.ChartSerializer, 404: OpenApiResponse(description="No candles stored")},
        summary="Daily candles of a symbol with EMA9, EMA200 and RSI, from your strategy's candle source",
    )
    def get(self, request: Request) -> Response:
        query = s.ChartQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        symbol = query.validated_data["symbol"].strip().upper()
        chart = selectors.symbol_chart(
            strategy=config.strategy_for(request.user), symbol=symbol, days=query.validated_data["days"]
        )
        if chart is None:
            raise exceptions.NotFound(f"No daily candles of {symbol} are stored yet.")
        return Response(s.ChartSerializer(chart).data)


@extend_schema_view(
    get=extend_schema(
        parameters=[s.RecommendationQuerySerializer],
        summary="Your recommendations with their planned orders, newest day first, by rank",
    )
)
class RecommendationList(generics.ListAPIView):
    serializer_class = s.RecommendationSerializer
    permission_classes = (permissions.IsAuthenticated,)
    filter_backends = ()

    def get_queryset(self) -> QuerySet[Recommendation]:
        if getattr(self, "swagger_fake_view", False):
            return Recommendation.objects.none()
        query = s.RecommendationQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.recommendations(
            user=self.request.user,
            day=query.validated_data.get("day"),
            status=query.validated_data.get("status"),
        )


def holding_body(group: PositionGroup) -> dict[str, Any]:
    position = selectors.strategy_position_of(group)
    sell = group.ema9_sells[0] if group.ema9_sells else None
    return {
        "id": group.pk,
        "symbol": group.symbol,
        "exchange": group.exchange,
        "account_label": group.account.label,
        "status": group.status,
        "quantity": group.filled_quantity,
        "avg_entry": group.avg_entry,
        "last_price": group.last_price,
        "unrealized_pnl": group.unrealized_pnl,
        "unrealized_pnl_percent": group.unrealized_pnl_percent,
        "opened_at": group.opened_at,
        "target": position.target if position else None,
        "stop": position.stop if position else None,
        "exit_price": position.exit_price if position else None,
        "exit_note": position.exit_note if position else "",
        "sell_order": (
            {"id": sell.pk, "status": sell.status, "price": sell.price, "quantity": sell.quantity}
            if sell
            else None
        ),
        "levels_taken": list(position.levels_taken) if position else [],
    }


class HoldingList(APIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        responses={200: s.StrategyHoldingSerializer(many=True)},
        summary="The strategy's open positions with their EMA9 exit and its sell order",
    )
    def get(self, request: Request) -> Response:
        rows = [holding_body(group) for group in selectors.holdings(user=request.user)]
        return Response(s.StrategyHoldingSerializer(rows, many=True).data)


@extend_schema_view(get=extend_schema(summary="The strategy's day summaries, newest first"))
class StrategyDayList(generics.ListAPIView):
    serializer_class = s.StrategyDaySerializer
    permission_classes = (permissions.IsAuthenticated,)
    filter_backends = ()

    def get_queryset(self) -> QuerySet[StrategyDay]:
        if getattr(self, "swagger_fake_view", False):
            return StrategyDay.objects.none()
        return selectors.strategy_days(user=self.request.user)
