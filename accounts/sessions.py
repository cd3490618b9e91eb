"""Login sessions and their JWTs.

A session holds exactly one valid refresh token at a time (`UserSession.refresh_jti`). Refreshing
swaps that jti with a conditional UPDATE, so of two concurrent refreshes of one token at most one
wins, on PostgreSQL and SQLite alike; the old token is blacklisted (simplejwt's blacklist app).
Access tokens carry the session id (`sid`) and die with their session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from auditlog.services import record
from config.request_meta import client_address, user_agent
from notifications import events

from .models import User, UserSession

SESSION_CLAIM = "sid"


class SessionEnded(Exception):
    """The refresh token is valid as a JWT but its session is over, or it was already used."""


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    session: UserSession


def _expiry(token: RefreshToken) -> datetime:
    return datetime.fromtimestamp(token["exp"], tz=UTC)


def _issue(user: User, session_id: str) -> RefreshToken:
    refresh = RefreshToken.for_user(user)
    refresh[SESSION_CLAIM] = session_id
    return refresh


def session_start(*, user: User, request: HttpRequest | None) -> TokenPair:
    """A new session for `user` (login, register) with its first token pair."""
    session = UserSession(
        user=user,
        ip=client_address(request) if request else None,
        user_agent=user_agent(request) if request else "",
    )
    refresh = _issue(user, str(session.id))
    session.refresh_jti = refresh["jti"]
    session.expires_at = _expiry(refresh)
    session.save()
    user.last_login = timezone.now()
    User.objects.filter(pk=user.pk).update(last_login=user.last_login)
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh), session=session)


def parse_refresh(raw: str) -> RefreshToken:
    """The refresh token, verified (signature, expiry, blacklist); raises TokenError."""
    return RefreshToken(raw)


def session_refresh(*, raw_refresh: str, request: HttpRequest | None) -> TokenPair:
    """Rotate a refresh token: a new pair for the same session; the old refresh token is dead."""
    try:
        old = parse_refresh(raw_refresh)
    except TokenError:
        _audit_if_reused(raw_refresh, request)
        raise
    session_id = old.get(SESSION_CLAIM)
    if not session_id:
        raise SessionEnded("token has no session")
    session = UserSession.objects.select_related("user").filter(pk=session_id).first()
    if session is None or not session.is_active or not session.user.is_active:
        raise SessionEnded("session has ended")
    new = _issue(session.user, str(session.id))
    now = timezone.now()
    with transaction.atomic():
        swapped = UserSession.objects.filter(
            pk=session.pk, refresh_jti=old["jti"], revoked_at__isnull=True, expires_at__gt=now
        ).update(
            refresh_jti=new["jti"],
            expires_at=_expiry(new),
            last_used_at=now,
            ip=client_address(request) if request else session.ip,
            user_agent=user_agent(request) if request else session.user_agent,
        )
        if swapped == 1:
            _blacklist_jti(old["jti"])
    if swapped != 1:
        # Lost the race to a concurrent refresh of the same token: someone holds a stale copy.
        record(action="auth.refresh_reused", owner=session.user, resource=session, request=request)
        raise SessionEnded("refresh token was already used")
    session.refresh_jti = new["jti"]
    return TokenPair(access=str(new.access_token), refresh=str(new), session=session)


def _audit_if_reused(raw: str, request: HttpRequest | None) -> None:
    """A genuine (correctly signed, unexpired) refresh token that was already rotated or logged
    out is presented again: a stolen copy, or a client bug. Record it for the owner."""
    try:
        payload = token_backend.decode(raw, verify=True)
    except TokenBackendError:
        return  # forged or expired: nothing to say about any session
    if (
        payload.get("token_type") != "refresh"
        or not BlacklistedToken.objects.filter(token__jti=payload.get("jti")).exists()
    ):
        return
    session = UserSession.objects.select_related("user").filter(pk=payload.get(SESSION_CLAIM)).first()
    if session is not None:
        record(action="auth.refresh_reused", owner=session.user, resource=session, request=request)


def _blacklist_jti(jti: str) -> None:
    outstanding = OutstandingToken.objects.filter(jti=jti).first()
    if outstanding is not None:
        BlacklistedToken.objects.get_or_create(token=outstanding)


def session_revoke(*, session: UserSession, reason: str) -> bool:
    """End a session: its refresh token is blacklisted and its access tokens stop working.
    Returns False when it had already ended."""
    ended = UserSession.objects.filter(pk=session.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )
    if ended:
        _blacklist_jti(session.refresh_jti)
        # Its open WebSockets close too (after commit), not at their next ping.
        events.end_session_sockets(session.pk)
    return bool(ended)


def sessions_revoke_all(*, user: User, reason: str, keep: UserSession | None = None) -> int:
    """End every active session of `user` (password change or reset, deactivation)."""
    sessions = UserSession.objects.filter(user=user, revoked_at__isnull=True)
    if keep is not None:
        sessions = sessions.exclude(pk=keep.pk)
    count = 0
    for session in sessions:
        count += session_revoke(session=session, reason=reason)
    return count


def session_for_refresh(*, raw_refresh: str, user: User) -> UserSession:
    """The caller's own session that `raw_refresh` belongs to (logout). Raises TokenError for a
    bad token and SessionEnded for someone else's or an ended one."""
    token = parse_refresh(raw_refresh)
    session = UserSession.objects.filter(pk=token.get(SESSION_CLAIM), user=user).first()
    if session is None or str(token.get("user_id")) != str(user.pk):
        raise SessionEnded("token does not belong to you")
    if session.refresh_jti != token["jti"] or session.revoked_at is not None:
        raise SessionEnded("session has ended")
    return session


__all__ = [
    "SessionEnded",
    "TokenError",
    "TokenPair",
    "session_for_refresh",
    "session_refresh",
    "session_revoke",
    "session_start",
    "sessions_revoke_all",
]
