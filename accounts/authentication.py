"""JWT authentication bound to a live session (HTTP and WebSocket share it)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.tokens import AccessToken, Token

from .models import User, UserSession
from .sessions import SESSION_CLAIM


def user_for_token(token: Token) -> User:
    """The active user of a validated access token whose session is still open, else raise
    AuthenticationFailed. One query: session joined with its user."""
    session_id = token.get(SESSION_CLAIM)
    if not session_id:
        raise AuthenticationFailed("Token is not bound to a session.", code="token_not_valid")
    session = (
        UserSession.objects.select_related("user")
        .filter(pk=session_id, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if session is None:
        raise AuthenticationFailed("Session has ended; log in again.", code="session_ended")
    user = session.user
    if str(user.pk) != str(token.get("user_id")) or not user.is_active:
        raise AuthenticationFailed("User is inactive or not found.", code="user_inactive")
    return user


def user_for_access_token(raw: str) -> User | None:
    """For the WebSocket: the user of a raw access token, or None when it is not acceptable."""
    try:
        return user_for_token(AccessToken(raw))
    except (TokenError, AuthenticationFailed, InvalidToken, ValueError):
        return None


class SessionJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token: Token) -> Any:
        return user_for_token(validated_token)
