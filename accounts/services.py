"""Account use cases: register, log in and out, passwords, sessions, roles, webhook secret.

Each runs in one transaction and writes its audit entry in it. Validation problems raise Django's
`ValidationError` with a field dict (the API turns it into a 400 naming the fields).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from auditlog.services import record, request_origin
from config.request_meta import client_ip

from . import lockout
from .emails import normalize_email
from .models import ROLE_RANK, Role, User, UserSession
from .reset_tokens import user_for_reset_token
from .sessions import TokenPair, session_for_refresh, session_revoke, session_start, sessions_revoke_all
from .tasks import send_password_reset_email, send_registration_email


class InvalidCredentials(Exception):
    """Wrong e-mail or password, or an inactive account (the caller cannot tell which)."""


class LoginLocked(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed logins; try again in {retry_after} s.")
        self.retry_after = retry_after


class RegistrationClosed(Exception):
    pass


# --- registration and login ---------------------------------------------------------------------
def _validate_new_password(password: str, *, user: User, field: str) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


def _check_unique(*, email: str | None = None, username: str | None = None, exclude: Any = None) -> None:
    """`email` normalised (accounts/emails.py): an address that normalises onto a stored one is
    that one."""
    errors: dict[str, list[str]] = {}
    users = User.objects.exclude(pk=exclude) if exclude else User.objects.all()
    if email is not None and users.filter(email=email).exists():
        errors["email"] = ["A user with this e-mail already exists."]
    if username is not None and users.filter(username__iexact=username).exists():
        errors["username"] = ["A user with this username already exists."]
    if errors:
        raise ValidationError(errors)


def user_register(*, email: str, username: str, password: str, request: HttpRequest | None) -> None:
    """Make an account and welcome it by e-mail; or, when the address already has an account,
    make nothing and tell its owner by e-mail instead. The caller answers both the same, so
    registering reveals nobody's address, and both hash the password, write one audit entry and
    queue one e-mail, so they take as long. (A taken username is still a 400: it is checked first,
    whatever the address, so the answer says nothing about the address.)"""
    if not settings.ACCOUNTS_SELF_REGISTRATION:
        raise RegistrationClosed("Self-registration is disabled; ask an admin for an account.")
    email = normalize_email(email)
    _check_unique(username=username)
    candidate = User(email=email, username=username)
    _validate_new_password(password, user=candidate, field="password")
    try:
        with transaction.atomic():
            owner = User.objects.filter(email=email).first()
            if owner is not None:
                _registration_attempt(owner=owner, username=username, password=password, request=request)
                return
            user = User.objects.create_user(email, username, password, role=settings.ACCOUNTS_DEFAULT_ROLE)
            record(
                action="auth.register",
                actor=user,
                resource=user,
                request=request,
                changes={"email": email, "username": username, "role": user.role},
            )
            transaction.on_commit(lambda: send_registration_email.delay(user_id=str(user.pk), attempt=False))
    except IntegrityError:
        # Lost a race with a registration of the same username or address.
        _check_unique(username=username)
        owner = User.objects.filter(email=email).first()
        if owner is None:
            raise
        with transaction.atomic():
            _registration_attempt(owner=owner, username=username, password=password, request=request)


def _registration_attempt(*, owner: User, username: str, password: str, request: HttpRequest | None) -> None:
    make_password(password)  # the hashing an account costs, so a taken address answers as late
    record(
        action="auth.register_attempt",
        actor=None,
        owner=owner,
        resource=owner,
        request=request,
        changes={"username": username},
    )
    transaction.on_commit(lambda: send_registration_email.delay(user_id=str(owner.pk), attempt=True))


def user_login(*, email: str, password: str, request: HttpRequest) -> TokenPair:
    ip = client_ip(request)
    wait = lockout.retry_after(email, ip)
    if wait:
        raise LoginLocked(wait)
    # The backend counts the failure towards the lockout; a signal writes the audit entry.
    user = authenticate(request, username=email, password=password)
    if user is None:
        wait = lockout.retry_after(email, ip)
        if wait:
            raise LoginLocked(wait)
        raise InvalidCredentials("Invalid e-mail or password.")
    with transaction.atomic():
        pair = session_start(user=user, request=request)
        record(action="auth.login", actor=user, resource=pair.session, request=request)
    return pair


def user_logout(*, user: User, raw_refresh: str, request: HttpRequest) -> None:
    session = session_for_refresh(raw_refresh=raw_refresh, user=user)
    with transaction.atomic():
        session_revoke(session=session, reason="logout")
        record(action="auth.logout", actor=user, resource=session, request=request)


# --- passwords ----------------------------------------------------------------------------------
def password_reset_request(*, email: str, request: HttpRequest | None) -> None:
    """Queue the reset e-mail; say nothing either way (no enumeration). The task looks the address
    up, mails an active account and audits the request: a lookup here made a known address
    answer measurably later than an unknown one (13.5 ms against 7.3 ms, median)."""
    ip, agent = request_origin(request)
    address = normalize_email(email)
    transaction.on_commit(lambda: send_password_reset_email.delay(email=address, ip=ip, user_agent=agent))


def password_reset_confirm(*, token: str, new_password: str, request: HttpRequest | None) -> User:
    user = user_for_reset_token(token)
    _validate_new_password(new_password, user=user, field="new_password")
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        ended = sessions_revoke_all(user=user, reason="password_reset")
        record(
            action="auth.password_reset",
            actor=None,
            owner=user,
            resource=user,
            request=request,
            changes={"sessions_ended": ended},
        )
    return user


def password_change(
    *, user: User, current_password: str, new_password: str, keep: UserSession | None, request: HttpRequest
) -> int:
    """Change the password; every other session ends. Returns how many ended."""
    if not user.check_password(current_password):
        raise ValidationError({"current_password": ["The current password is not correct."]})
    if current_password == new_password:
        raise ValidationError({"new_password": ["The new password must differ from the current one."]})
    _validate_new_password(new_password, user=user, field="new_password")
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        ended = sessions_revoke_all(user=user, reason="password_change", keep=keep)
        record(
            action="auth.password_change",
            actor=user,
            resource=user,
            request=request,
            changes={"other_sessions_ended": ended},
        )
    return ended


# --- profile, sessions, roles -------------------------------------------------------------------
def profile_update(
    *,
    user: User,
    username: str | None,
    email: str | None,
    current_password: str | None,
    request: HttpRequest,
) -> User:
    changes: dict[str, Any] = {}
    if email is not None:
        email = normalize_email(email)
    if email is not None and email != user.email:
        if not current_password or not user.check_password(current_password):
            raise ValidationError({"current_password": ["Enter your current password to change the e-mail."]})
        _check_unique(email=email, exclude=user.pk)
        changes["email"] = {"before": user.email, "after": email}
        user.email = email
    if username is not None and username != user.username:
        _check_unique(username=username, exclude=user.pk)
        changes["username"] = {"before": user.username, "after": username}
        user.username = username
    if changes:
        with transaction.atomic():
            user.save(update_fields=[field for field in ("email", "username") if field in changes])
            record(action="user.profile_update", actor=user, resource=user, request=request, changes=changes)
    return user


def session_end(*, user: User, session: UserSession, request: HttpRequest) -> None:
    """The owner ends one of their sessions (the caller has already scoped `session` to them)."""
    with transaction.atomic():
        session_revoke(session=session, reason="revoked_by_user")
        record(
            action="auth.session_revoke",
            actor=user,
            owner=session.user,
            resource=session,
            request=request,
            changes={"ip": session.ip, "user_agent": session.user_agent},
        )


def sessions_end_all(
    *,
    user: User,
    action: str,
    reason: str,
    actor: Any = None,
    request: HttpRequest | None = None,
    changes: dict[str, Any] | None = None,
) -> int:
    """End every session of `user` (a password set for them, or an admin's action), audited as
    `action`. Returns how many ended."""
    with transaction.atomic():
        ended = sessions_revoke_all(user=user, reason=reason)
        record(
            action=action,
            actor=actor,
            owner=user,
            resource=user,
            request=request,
            changes={**(changes or {}), "sessions_ended": ended},
        )
    return ended


def user_update_by_admin(
    *, admin: User, target: User, role: str | None, is_active: bool | None, request: HttpRequest
) -> User:
    if target.pk == admin.pk and (
        (role is not None and role != target.role) or (is_active is not None and not is_active)
    ):
        field = "role" if role is not None and role != target.role else "is_active"
        raise ValidationError({field: ["You cannot change your own role or deactivate yourself."]})
    if role is not None and role not in ROLE_RANK:
        raise ValidationError({"role": [f"Unknown role; one of {', '.join(ROLE_RANK)}."]})
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=target.pk)
        changes: dict[str, Any] = {}
        if role is not None and role != locked.role:
            changes["role"] = {"before": locked.role, "after": role}
            locked.role = role
        if is_active is not None and is_active != locked.is_active:
            changes["is_active"] = {"before": locked.is_active, "after": is_active}
            locked.is_active = is_active
        if not changes:
            return locked
        fields = [*changes]
        role_before = changes["role"]["before"] if "role" in changes else None
        if role_before and webhook_secret_revoke_on_demotion(user=locked, before=role_before):
            fields += ["webhook_secret_encrypted", "webhook_secret_rotated_at"]
            changes["webhook"] = WEBHOOK_REVOKED
        locked.save(update_fields=fields)
        if locked.is_active is False:
            changes["sessions_ended"] = sessions_revoke_all(user=locked, reason="deactivated")
        action = "user.role_change" if "role" in changes else "user.update"
        record(action=action, actor=admin, owner=locked, resource=locked, request=request, changes=changes)
    return locked


# --- webhook secret -----------------------------------------------------------------------------
# The audit trail's note of a revocation (under "webhook": a key with "secret" in it is scrubbed).
WEBHOOK_REVOKED = "secret replaced: alerts made before the role change are refused"


def webhook_secret_revoke_on_demotion(*, user: User, before: str) -> bool:
    """Give a user whose new role does not trade (a trader made viewer) a new webhook secret,
    which they cannot read until they trade again: alerts set up before the demotion stay dead
    even if the role comes back, and the trader then pastes the new secret on purpose. The
    webhook refuses the role itself too (trading/signals/authentication.py). The caller saves
    `webhook_secret_encrypted` and `webhook_secret_rotated_at` in its transaction; True when
    replaced."""
    traded = ROLE_RANK.get(before, -1) >= ROLE_RANK[Role.TRADER]
    if not traded or ROLE_RANK.get(user.role, -1) >= ROLE_RANK[Role.TRADER]:
        return False
    user.set_webhook_secret()
    return True


def webhook_url(user: User) -> str:
    return f"{settings.PUBLIC_URL}/api/v1/webhooks/{user.pk}"


def webhook_secret_rotate(*, user: User, request: HttpRequest) -> str:
    """A new secret; alerts still carrying the old one are refused from now on."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        secret = locked.set_webhook_secret()
        locked.save(update_fields=["webhook_secret_encrypted", "webhook_secret_rotated_at"])
        record(action="webhook_secret.rotate", actor=user, resource=locked, request=request)
    user.webhook_secret_encrypted = locked.webhook_secret_encrypted
    user.webhook_secret_rotated_at = locked.webhook_secret_rotated_at
    return secret
