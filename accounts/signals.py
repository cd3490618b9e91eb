"""Audit entries for logins that Django itself performs (the admin's session login) and for every
failed login, whichever way it came in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest

from auditlog.services import record

from .emails import normalize_email
from .models import User


@receiver(user_login_failed)
def _audit_failed_login(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    email = str(credentials.get("username") or credentials.get("email") or "")
    target = User.objects.filter(email=normalize_email(email)).first() if email else None
    with transaction.atomic():
        record(
            action="auth.login_failed",
            owner=target,
            resource_type="accounts.User",
            resource_id=target.pk if target else "",
            request=request,
            changes={"email": email},
        )


@receiver(user_logged_in)
def _audit_session_login(sender: Any, request: HttpRequest | None, user: User, **_: Any) -> None:
    # Only Django's session login sends this (the admin site); API logins are audited by the
    # service that issues their tokens.
    record(action="auth.login", actor=user, resource=user, request=request, changes={"via": "admin"})
