"""Request throttles. The counters live in the default cache: Redis in production, so every web
process shares them; process memory in embedded mode, which is a single process anyway."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.throttling import SimpleRateThrottle

from config.request_meta import client_ip

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class PerUserThrottle(SimpleRateThrottle):
    """300 requests a minute per authenticated user (setting THROTTLE_USER)."""

    scope = "user"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class PerIPThrottle(SimpleRateThrottle):
    """600 requests a minute per client IP, authenticated or not (setting THROTTLE_IP)."""

    scope = "ip"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        # The address the lockout and the audit trail use: a hop that is not an IP is "unknown".
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


class RegisterThrottle(PerIPThrottle):
    scope = "register"


class LoginThrottle(PerIPThrottle):
    scope = "login"


class PasswordResetThrottle(PerIPThrottle):
    scope = "password_reset"
