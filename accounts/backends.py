"""Authentication backend: Django's model backend plus the login lockout, so the API login and
the Django admin login share one lock (5 failures for an account from one IP in 15 minutes)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from config.request_meta import client_ip

from . import lockout


class LockoutModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        email = username or kwargs.get("email") or ""
        if request is None or not email:
            return super().authenticate(request, username=username, password=password, **kwargs)
        ip = client_ip(request)
        if lockout.retry_after(email, ip):
            return None  # locked: the password is not even checked
        user = super().authenticate(request, username=email, password=password, **kwargs)
        if user is None:
            lockout.register_failure(email, ip)
        else:
            lockout.clear(email, ip)
        return user
