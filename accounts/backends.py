"""Authentication backend: Django's model backend plus the login lockout, so the API login and
the Django admin login share one lock (5 failures for an account from one IP in 15 minutes).
The failure that locks an existing account tells the admins (`user_locked_out`)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from config.request_meta import client_ip

from . import lockout
from .emails import normalize_email
from .models import User

logger = logging.getLogger(__name__)


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
            if lockout.register_failure(email, ip) == settings.LOGIN_LOCKOUT_ATTEMPTS:
                _locked_out_notify(email, ip)  # the failure that locks: once per lock
        else:
            lockout.clear(email, ip)
        return user

    def user_can_authenticate(self, user: Any) -> bool:
        # A deleted account stays refused even if someone set it active again before its erase.
        return super().user_can_authenticate(user) and getattr(user, "deleted_at", None) is None


def _locked_out_notify(email: str, ip: str) -> None:
    """Tell the admins that an account is locked (its e-mail, the IP, until when). Only for an
    account that exists: guesses at addresses nobody has are the throttles' business. Never
    raises: the login answers 429 either way."""
    try:
        user = User.objects.filter(email=normalize_email(email)).only("pk", "email").first()
        if user is None:
            return
        until = timezone.now() + timedelta(seconds=lockout.retry_after(email, ip))
        from notifications.services.notify import notify_admins  # notifications imports accounts

        with transaction.atomic():
            notify_admins(
                "user_locked_out",
                title=f"User locked out: {user.email}",
                message=(
                    f"{user.email} is locked out after {settings.LOGIN_LOCKOUT_ATTEMPTS} failed logins "
                    f"from {ip}, until {until:%Y-%m-%d %H:%M} UTC. Logins from other addresses still work."
                ),
                link="/manage/users",
                data={"user_id": str(user.pk), "ip": ip, "until": until.isoformat()},
            )
    except Exception:
        logger.exception("could not tell the admins about a lockout")
