"""The caller's trading configuration (reference/api.md, "Trading"): thin, services.py does the work."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import ReadOrTrade
from trading.settings import presets, validation
from trading.settings import services as svc
from trading.settings.api import serializers as s
from trading.settings.models import UserTradingConfig


def _body(config: UserTradingConfig) -> dict[str, Any]:
    values = validation.trading_config_values(config)
    return {
        "config": validation.as_json(values),
        "defaults": validation.as_json(presets.defaults()),
        "differs_from_default": validation.differs_from_default(values),
        "preset": presets.matching_preset(values),
        "updated_at": timezone.localtime(config.updated_at).isoformat(),
    }


class TradingConfigView(APIView):
    permission_classes = (ReadOrTrade,)

    @extend_schema(responses={200: s.TradingConfigSerializer}, summary="Your trading configuration")
    def get(self, request: Request) -> Response:
        return Response(_body(svc.trading_config_for(request.user)))

    @extend_schema(
        request=s.TradingConfigValuesSerializer,
        responses={200: s.TradingConfigSerializer},
        summary="Replace the whole trading configuration (every field required)",
    )
    def put(self, request: Request) -> Response:
        return self._update(request, partial=False)

    @extend_schema(
        request=s.TradingConfigValuesSerializer,
        responses={200: s.TradingConfigSerializer},
        summary="Change some settings of the trading configuration",
    )
    def patch(self, request: Request) -> Response:
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        config = svc.trading_config_update(
            user=request.user, fields=request.data, partial=partial, actor=request.user, request=request
        )
        return Response(_body(config))


class TradingConfigResetView(APIView):
    permission_classes = (ReadOrTrade,)

    @extend_schema(
        request=None,
        responses={200: s.TradingConfigSerializer},
        summary="Every setting back to its default (Moderate), capital included",
    )
    def post(self, request: Request) -> Response:
        config = svc.trading_config_reset(user=request.user, actor=request.user, request=request)
        return Response(_body(config))


class PresetListView(APIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(responses={200: s.PresetListSerializer}, summary="The three presets and their values")
    def get(self, request: Request) -> Response:
        return Response(
            {
                "presets": [
                    {
                        "name": name,
                        "label": presets.PRESET_LABELS[name],
                        "description": presets.PRESET_DESCRIPTIONS[name],
                        "values": validation.as_json(presets.preset(name)),
                        "changes_from_default": validation.as_json(presets.preset_changes(name)),
                    }
                    for name in presets.PRESET_NAMES
                ],
                "kept_when_applied": list(presets.PERSONAL_FIELDS),
            }
        )


class PresetApplyView(APIView):
    permission_classes = (ReadOrTrade,)

    @extend_schema(
        request=None,
        responses={200: s.TradingConfigSerializer},
        summary="Apply a preset; your capital, schedule and on/off switches are kept",
    )
    def post(self, request: Request, name: str) -> Response:
        if name not in presets.PRESET_NAMES:
            raise exceptions.NotFound(
                f"No preset {name[:50]!r}; the presets are {', '.join(presets.PRESET_NAMES)}."
            )
        config = svc.trading_config_apply_preset(
            user=request.user, name=name, actor=request.user, request=request
        )
        return Response(_body(config))
