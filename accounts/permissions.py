"""Role permissions every app reuses: viewer < trader < manager < admin."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from .models import Role


class _MinimumRole(BasePermission):
    minimum: str = Role.VIEWER
    message = "Your role does not allow this."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_role(self.minimum))


class IsViewer(_MinimumRole):
    minimum = Role.VIEWER


class IsTrader(_MinimumRole):
    """May trade: place, change and close positions, rotate the webhook secret."""

    minimum = Role.TRADER


class IsManager(_MinimumRole):
    """May read every user's trading."""

    minimum = Role.MANAGER


class IsAdmin(_MinimumRole):
    """Everything, including user administration and Django admin."""

    minimum = Role.ADMIN


class ReadManagerWriteAdmin(BasePermission):
    """Managers read; only admins change (user administration)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.has_role(Role.MANAGER if request.method in SAFE_METHODS else Role.ADMIN)


class ReadOrTrade(BasePermission):
    """Everyone reads their own trading data; changing it (closing, promoting, configuring,
    running the risk engine) takes the trader role."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return IsTrader().has_permission(request, view)
