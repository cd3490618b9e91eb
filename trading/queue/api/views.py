"""The execution queue (reference/api.md, "Trading"): list, summary, promote, force-add, remove,
and the daily loss circuit breaker's reset. Thin: services/actions.py does the work.

Scoped to the caller: another user's entry is a 404. State conflicts are 409 with a code:
`not_queued`, `pool_full`, `circuit_breaker`, `service_stopped`, `group_closing`, and
`promotion_failed` when the entry was tried and could not open (it is then failed, with the reason).
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import ReadOrTrade
from config.api.errors import Conflict
from trading.queue.api import serializers as s
from trading.queue.models import QueueEntry, QueueStatus
from trading.queue.services.actions import queue_breaker_reset, queue_entry_promote, queue_entry_remove
from trading.queue.services.ranking import queue_summary
from trading.runtime.models import ServiceStatus
from trading.signals.routing import routes_for

UUID_REGEX = "[0-9a-fA-F-]{36}"
CONFLICTS = "409: not_queued, pool_full, circuit_breaker, service_stopped, group_closing, promotion_failed"


def _conflict(exc: DjangoValidationError) -> NoReturn:
    code = getattr(exc, "code", None) or "conflict"
    raise Conflict({"detail": " ".join(exc.messages), "code": code}) from exc


def _summary(user: Any) -> dict[str, Any]:
    status_row = ServiceStatus.objects.filter(user=user).first()
    return queue_summary(user_id=user.pk, routes=routes_for(user), status=status_row)


@extend_schema_view(
    list=extend_schema(
        summary="Your execution queue, by rank (or the history of entries that left it)",
        parameters=[s.QueueQuerySerializer],
        description=(
            "Queued entries in promotion order: `rank` 1 opens first when a pool slot frees, and "
            "`priority_rule` is the rule that placed it above the next one. Prices and loss % are "
            "as of the last ranking (every change, and the sweep every 10 s). `?status=promoted|"
            "removed|cancelled|failed` lists entries that left the queue, newest first."
        ),
    ),
    destroy=extend_schema(
        summary="Remove an entry from the queue; its signal shows it was removed",
        responses={
            204: OpenApiResponse(description="Removed"),
            404: OpenApiResponse(description="No such entry of yours"),
            409: OpenApiResponse(description="No longer queued (code not_queued)"),
        },
    ),
)
class QueueViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = s.QueueEntrySerializer
    permission_classes = (ReadOrTrade,)
    lookup_value_regex = UUID_REGEX

    def get_queryset(self) -> QuerySet[QueueEntry]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return QueueEntry.objects.none()
        entries = QueueEntry.objects.filter(user=self.request.user)
        if self.action != "list":
            return entries
        query = s.QueueQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data["status"]
        entries = entries.filter(status=wanted)
        if wanted == QueueStatus.QUEUED:
            return entries.order_by("rank", "queued_at", "id")
        return entries.order_by("-done_at", "-queued_at", "id")

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entry = self.get_object()  # 404 for another user's: the queryset is the caller's only
        try:
            queue_entry_remove(user=request.user, entry_id=entry.pk, actor=request.user, request=request)
        except DjangoValidationError as exc:
            _conflict(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _promote(self, request: Request, *, force: bool) -> Response:
        entry = self.get_object()
        try:
            entry = queue_entry_promote(
                user=request.user, entry_id=entry.pk, actor=request.user, force=force, request=request
            )
        except DjangoValidationError as exc:
            _conflict(exc)
        if entry.status != QueueStatus.PROMOTED:
            raise Conflict(
                {"detail": entry.reason or "The entry could not open.", "code": "promotion_failed"}
            )
        return Response(s.QueueEntrySerializer(entry).data)

    @extend_schema(
        request=None,
        responses={
            200: s.QueueEntrySerializer,
            403: OpenApiResponse(description="Your role does not allow trading"),
            404: OpenApiResponse(description="No such entry of yours"),
            409: OpenApiResponse(description=CONFLICTS),
        },
        summary="Open a queued entry now, into a free pool slot",
    )
    @action(detail=True, methods=["post"], pagination_class=None)
    def promote(self, request: Request, pk: str | None = None) -> Response:
        return self._promote(request, force=False)

    @extend_schema(
        request=None,
        responses={
            200: s.QueueEntrySerializer,
            403: OpenApiResponse(description="Your role does not allow trading"),
            404: OpenApiResponse(description="No such entry of yours"),
            409: OpenApiResponse(description=CONFLICTS),
        },
        summary="Open a queued entry now even over the pool limit",
    )
    @action(detail=True, methods=["post"], url_path="force-add", pagination_class=None)
    def force_add(self, request: Request, pk: str | None = None) -> Response:
        return self._promote(request, force=True)

    @extend_schema(
        responses={200: s.QueueSummarySerializer},
        summary="Pool usage, queue length and the daily loss circuit breaker",
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def summary(self, request: Request) -> Response:
        return Response(s.QueueSummarySerializer(_summary(request.user)).data)

    @extend_schema(
        request=None,
        responses={
            200: s.QueueSummarySerializer,
            403: OpenApiResponse(description="Your role does not allow trading"),
        },
        summary="Reset the daily loss circuit breaker: losses count from now; queued entries promote",
    )
    @action(detail=False, methods=["post"], url_path="circuit-breaker/reset", pagination_class=None)
    def circuit_breaker_reset(self, request: Request) -> Response:
        queue_breaker_reset(user=request.user, actor=request.user, request=request)
        return Response(s.QueueSummarySerializer(_summary(request.user)).data)
