from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from config.tasks import house_task

from .models import User
from .reset_tokens import password_reset_token

logger = logging.getLogger(__name__)


@house_task(retry_on=(OSError,), max_retries=5, expires=settings.PASSWORD_RESET_TIMEOUT)
def send_password_reset_email(*, user_id: str) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        logger.info("password reset: user %s is gone or inactive, nothing to send", user_id)
        return
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
