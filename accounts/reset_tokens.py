"""Password-reset tokens: made by the e-mail task (so no secret travels through the broker),
checked by the confirm use case (services.py)."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from .models import User


def password_reset_token(user: User) -> str:
    """Single-use (it embeds the password hash and last login) and expiring (PASSWORD_RESET_TIMEOUT)."""
    return f"{urlsafe_base64_encode(force_bytes(user.pk))}.{default_token_generator.make_token(user)}"


def user_for_reset_token(token: str) -> User:
    invalid = ValidationError({"token": ["This reset link is invalid or has expired."]})
    uidb64, sep, check = token.partition(".")
    if not sep:
        raise invalid
    try:
        user_id = force_str(urlsafe_base64_decode(uidb64))
        user = User.objects.filter(pk=user_id, is_active=True).first()
    except (ValueError, TypeError, ValidationError):
        user = None
    if user is None or not default_token_generator.check_token(user, check):
        raise invalid
    return user
