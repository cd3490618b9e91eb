"""`DELETE /api/v1/me`: the logged-in user closes their own account (services.py)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import serializers as s
from .services import DeletionLocked, account_delete


class _BodyOnDelete(AutoSchema):
    """drf-spectacular documents a body for POST, PUT and PATCH only; this DELETE takes one (the
    password re-entered and the choice for the positions), so it is documented as a POST's."""

    def _get_request_body(self, direction: str = "request") -> Any:
        method, self.method = self.method, "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = method


class AccountDeleteView(APIView):
    schema = _BodyOnDelete()

    @extend_schema(
        request=s.AccountDeleteSerializer,
        responses={
            200: s.AccountDeletedSerializer,
            400: OpenApiResponse(description="Wrong password, no choice for positions, or the last admin"),
            429: OpenApiResponse(description="Too many wrong passwords; see Retry-After"),
        },
        summary="Delete my account (closed at once, erased after the grace period)",
    )
    def delete(self, request: Request) -> Response:
        serializer = s.AccountDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = account_delete(user=request.user, request=request, **serializer.validated_data)
        except DeletionLocked as exc:
            raise exceptions.Throttled(wait=exc.retry_after, detail=str(exc)) from exc
        return Response(s.AccountDeletedSerializer(user).data)
