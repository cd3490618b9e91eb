"""The risk engine's endpoints (reference/api.md, `risk`): the panel, its history, run now, skip
once, block and unblock. Thin: reads come from trading.risk.selectors, changes from
trading.risk.services.controls. Another user's group is a 404; a closed one a 409."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import ReadOrTrade
from config.api.errors import Conflict
from config.api.filters import SymbolFilter, UTCIsoDateTimeFilter
from trading.positions.models import PositionGroup
from trading.risk import selectors
from trading.risk.api import serializers as s
from trading.risk.models import RiskAction, RiskActionStatus, RiskTrigger
from trading.risk.services.controls import (
    RiskUnavailable,
    risk_group_block,
    risk_group_skip_once,
    risk_run_now,
)


class RiskPanelView(APIView):
    permission_classes = (ReadOrTrade,)

    @extend_schema(
        responses={200: s.RiskPanelSerializer},
        summary="The risk panel: timers, eligibility, winners, the projected plan and recent actions",
        description=(
            "Groups are shown as the next cycle will see them, at their last marked price. "
            "`projected_plan` is what a cycle would do now (null: nothing)."
        ),
    )
    def get(self, request: Request) -> Response:
        return Response(s.RiskPanelSerializer(selectors.risk_panel(user=request.user)).data)


class RiskRunView(APIView):
    permission_classes = (ReadOrTrade,)

    @extend_schema(
        request=None,
        responses={
            200: s.RiskRunSerializer,
            403: OpenApiResponse(description="Your role does not allow trading"),
            409: OpenApiResponse(description="risk_disabled or service_stopped"),
        },
        summary="Run the risk engine now: the action it took, or why it took none",
    )
    def post(self, request: Request) -> Response:
        try:
            result = risk_run_now(user=request.user, actor=request.user, request=request)
        except RiskUnavailable as exc:
            raise Conflict(exc.detail, code=exc.code) from exc
        body = {"action": result.action, "reason": result.reason or None}
        return Response(s.RiskRunSerializer(body).data)


class _GroupControl(APIView):
    permission_classes = (ReadOrTrade,)

    def _apply(self, act: Any) -> Response:
        try:
            group = act()
        except PositionGroup.DoesNotExist as exc:
            raise exceptions.NotFound("No such position of yours.") from exc
        except DjangoValidationError as exc:
            raise Conflict(" ".join(exc.messages), code="not_open") from exc
        return Response(s.RiskGroupControlSerializer(group).data)


_CONTROL_RESPONSES = {
    200: s.RiskGroupControlSerializer,
    403: OpenApiResponse(description="Your role does not allow trading"),
    404: OpenApiResponse(description="No such position of yours"),
    409: OpenApiResponse(description="The position is closing or closed (code not_open)"),
}


class RiskSkipOnceView(_GroupControl):
    @extend_schema(
        request=None,
        responses=_CONTROL_RESPONSES,
        summary="Leave a group out of the next risk cycle (as loser and as winner); clears itself",
    )
    def post(self, request: Request, pk: UUID) -> Response:
        return self._apply(
            lambda: risk_group_skip_once(user=request.user, group_id=pk, actor=request.user, request=request),
        )


class RiskBlockView(_GroupControl):
    @extend_schema(
        request=None,
        responses=_CONTROL_RESPONSES,
        summary="Block a group: the risk engine never closes it nor uses it as a winner",
    )
    def post(self, request: Request, pk: UUID) -> Response:
        return self._block(request, pk, blocked=True)

    @extend_schema(
        request=None,
        responses=_CONTROL_RESPONSES,
        summary="Unblock a group: the risk engine sees it again",
    )
    def delete(self, request: Request, pk: UUID) -> Response:
        return self._block(request, pk, blocked=False)

    def _block(self, request: Request, pk: UUID, *, blocked: bool) -> Response:
        return self._apply(
            lambda: risk_group_block(
                user=request.user, group_id=pk, blocked=blocked, actor=request.user, request=request
            ),
        )


class RiskActionFilter(django_filters.FilterSet):
    symbol = SymbolFilter()
    created_after = UTCIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UTCIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    trigger = django_filters.ChoiceFilter(choices=RiskTrigger.choices)
    status = django_filters.ChoiceFilter(choices=RiskActionStatus.choices)

    class Meta:
        model = RiskAction
        fields = ("symbol", "created_after", "created_before", "trigger", "status")


@extend_schema_view(get=extend_schema(summary="Everything the risk engine did for you, newest first"))
class RiskActionList(generics.ListAPIView):
    serializer_class = s.RiskActionSerializer
    filterset_class = RiskActionFilter
    permission_classes = (permissions.IsAuthenticated,)

    def get_queryset(self) -> QuerySet[RiskAction]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return RiskAction.objects.none()
        return selectors.risk_actions(user=self.request.user)
