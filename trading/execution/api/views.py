"""Execution endpoints: closing a position group (reference/api.md, "Trading"). The reads of
positions are trading/positions/api/views.py; this action shares their URL and body."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import ReadOrTrade
from trading.execution.services.closes import position_close
from trading.positions import selectors
from trading.positions.api import serializers as s
from trading.positions.api.views import UUID_REGEX, position_detail_body
from trading.positions.models import PositionGroup


class AlreadyClosed(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This position is already closed."
    default_code = "already_closed"


# `POST positions/{id}/close`, beside the read-only PositionViewSet (no docstring: it would become
# the operation's description in the OpenAPI schema).
class PositionCloseViewSet(viewsets.GenericViewSet):
    serializer_class = s.PositionDetailSerializer
    permission_classes = (ReadOrTrade,)
    lookup_value_regex = UUID_REGEX

    def get_queryset(self) -> QuerySet[PositionGroup]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return PositionGroup.objects.none()
        return selectors.position_detail(user=self.request.user)

    @extend_schema(
        request=None,
        responses={
            202: s.PositionDetailSerializer,
            403: OpenApiResponse(description="Your role does not allow trading"),
            404: OpenApiResponse(description="No such position of yours"),
            409: OpenApiResponse(description="Already closed or failed (code already_closed)"),
        },
        summary="Close a position group at market and cancel its unfilled orders",
    )
    @action(detail=True, methods=["post"], pagination_class=None)
    def close(self, request: Request, pk: str | None = None) -> Response:
        group = self.get_object()  # 404 for another user's: the queryset is the caller's only
        try:
            position_close(group=group, actor=request.user, reason="manual", request=request)
        except DjangoValidationError as exc:
            raise AlreadyClosed(" ".join(exc.messages) or AlreadyClosed.default_detail) from exc
        fresh = selectors.position_detail(user=request.user).get(pk=group.pk)
        return Response(position_detail_body(fresh), status=status.HTTP_202_ACCEPTED)
