"""Account e-mails. They are sent from tasks, and the tasks look the account up, so a request
costs the same whether the address has an account or not (accounts/services.py)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from auditlog.services import record
from config.tasks import house_task

from .models import User
from .reset_tokens import password_reset_token

logger = logging.getLogger(__name__)


@house_task(retry_on=(OSError,), max_retries=5, expires=settings.PASSWORD_RESET_TIMEOUT)
def send_password_reset_email(
    *, email: str = "", ip: str | None = None, user_agent: str = "", user_id: str = ""
) -> None:
    """Mail a reset link to the active account of `email` (normalised), if there is one, and note
    the request in its audit trail with where the request came from (`ip`, `user_agent`).
    `user_id` names the account instead in messages queued before the lookup moved here."""
    users = User.objects.filter(is_active=True)
    user = (users.filter(pk=user_id) if user_id else users.filter(email=email)).first()
    if user is None:
        logger.info("password reset: no active account for that address, nothing to send")
        return
    # The token is made here, so no secret ever travels through the broker.
    token = password_reset_token(user)
    body = render_to_string(
        "accounts/password_reset_email.txt",
        {
            "user": user,
            "token": token,
            "reset_url": f"{settings.PUBLIC_URL}/reset-password?{urlencode({'token': token})}",
            "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
    )
    send_mail("Reset your Tradefleet password", body, None, [user.email])
    if not user_id:  # a message from before the move was audited by its request
        # After the mail: a retry after an SMTP failure does not note the request twice.
        with transaction.atomic():
            record(
                action="auth.password_reset_requested",
                actor=None,
                owner=user,
                resource=user,
                origin=(ip, user_agent),
            )


@house_task(retry_on=(OSError,), max_retries=5)
def send_registration_email(*, user_id: str, attempt: bool) -> None:
    """After a registration: a welcome to the new account, or (`attempt`) a word to the owner of
    an address that already had one, which the answer to the registration did not reveal."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        logger.info("registration e-mail: user %s is gone, nothing to send", user_id)
        return
    name = "registration_attempt_email" if attempt else "registration_welcome_email"
    body = render_to_string(
        f"accounts/{name}.txt",
        {
            "user": user,
            "login_url": f"{settings.PUBLIC_URL}/login",
            "forgot_url": f"{settings.PUBLIC_URL}/forgot-password",
        },
    )
    subject = "Someone tried to register with your address" if attempt else "Welcome to Tradefleet"
    send_mail(subject, body, None, [user.email])


# Celery finds `accounts.tasks` only: the subpackages' tasks are registered from here.
from accounts.deletion import tasks as _deletion_tasks  # noqa: E402,F401
from accounts.export import tasks as _export_tasks  # noqa: E402,F401
