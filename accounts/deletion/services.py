"""Closing an account (`DELETE /api/v1/me`) and erasing it once its grace period has passed.

Closing happens at once, in one transaction: the account can no longer log in, its sessions and
webhook are dead, and `account_closing` (accounts/hooks.py) lets trading stop the service and
cancel the open orders (closing positions at market if asked) while the exchange keys still work,
and brokers wipe the keys. Everything else stays `erase_after` days
(ACCOUNT_DELETION_GRACE_DAYS), then `erase_deleted_accounts` (tasks.py) deletes the user row and,
by cascade, every row of theirs; the audit entries about them are kept, pseudonymised first.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError
from django.http import HttpRequest
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts import lockout
from accounts.hooks import account_closing
from accounts.models import Role, User
from accounts.sessions import sessions_revoke_all
from auditlog.services import pseudonymise_user, record
from config.request_meta import client_ip

logger = logging.getLogger(__name__)

POSITIONS_CLOSE, POSITIONS_LEAVE = "close", "leave"
POSITION_CHOICES = (POSITIONS_CLOSE, POSITIONS_LEAVE)
# Users erased by one run of the beat task; the rest wait for the next hour.
ERASE_BATCH = 50


class DeletionLocked(Exception):
    """Too many wrong passwords for this account from this address (the login lockout)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many wrong passwords; try again in {retry_after} s.")
        self.retry_after = retry_after


def _check_password(*, user: User, password: str, request: HttpRequest | None) -> None:
    """A wrong password counts towards the login lockout: a stolen session cannot guess it."""
    ip = client_ip(request) if request is not None else ""
    if ip:
        wait = lockout.retry_after(user.email, ip)
        if wait:
            raise DeletionLocked(wait)
    if user.check_password(password):
        return
    if ip:
        lockout.register_failure(user.email, ip)
    raise ValidationError({"password": ["The password is not correct."]})


def _refuse_last_admin(user: User) -> None:
    if user.role != Role.ADMIN:
        return
    # Locked, so two admins deleting themselves at once cannot both pass.
    admins = list(
        User.objects.select_for_update()
        .filter(role=Role.ADMIN, is_active=True, deleted_at__isnull=True)
        .values_list("pk", flat=True)
    )
    if not [pk for pk in admins if pk != user.pk]:
        raise ValidationError("You are the last admin: make another user admin before deleting your account.")


def account_delete(*, user: User, password: str, positions: str, request: HttpRequest | None) -> User:
    """Close `user`'s account now (see the module docstring); returns the closed user."""
    if positions not in POSITION_CHOICES:
        raise ValidationError({"positions": [f"Choose one of: {', '.join(POSITION_CHOICES)}."]})
    _check_password(user=user, password=password, request=request)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.deleted_at is not None:
            raise ValidationError("This account is already deleted.")
        _refuse_last_admin(locked)
        now = timezone.now()
        locked.deleted_at = now
        locked.erase_after = now + timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS)
        locked.is_active = False
        locked.webhook_secret_encrypted = ""  # alerts carrying the old secret can never match
        locked.webhook_secret_rotated_at = now
        locked.save(
            update_fields=[
                "deleted_at",
                "erase_after",
                "is_active",
                "webhook_secret_encrypted",
                "webhook_secret_rotated_at",
            ]
        )
        sessions_ended = sessions_revoke_all(user=locked, reason="account_deleted")
        summary: dict[str, Any] = {}
        for _receiver, answer in account_closing.send(
            sender=User, user=locked, close_positions=positions == POSITIONS_CLOSE
        ):
            if isinstance(answer, dict):
                summary.update(answer)
        record(
            action="account.deleted",
            actor=locked,
            resource=locked,
            request=request,
            changes={
                "positions": positions,
                "erase_after": locked.erase_after.isoformat(),
                "sessions_ended": sessions_ended,
                **summary,
            },
        )
    return locked


def accounts_erase_due(*, now: datetime | None = None) -> int:
    """Erase the closed accounts whose grace period has passed (a batch); returns how many."""
    now = now or timezone.now()
    due = list(
        User.objects.filter(deleted_at__isnull=False, erase_after__lte=now)
        .order_by("erase_after")
        .values_list("pk", flat=True)[:ERASE_BATCH]
    )
    erased = 0
    for user_id in due:
        try:
            erased += account_erase(user_id=user_id, now=now)
        except Exception:
            # One account that cannot be erased (a new model protecting its rows) must not hold
            # up the others; it is tried again next run and an operator sees the error.
            logger.exception("could not erase closed account %s", user_id)
    return erased


def account_erase(*, user_id: Any, now: datetime | None = None) -> bool:
    """Erase one closed account whose grace period has passed; False when there is nothing to
    do (erased already, never closed, or still in its grace period)."""
    now = now or timezone.now()
    with transaction.atomic():
        user = (
            User.objects.select_for_update()
            .filter(pk=user_id, deleted_at__isnull=False, erase_after__lte=now)
            .first()
        )
        if user is None:
            return False
        pseudonym = pseudonymise_user(user=user)
        # The refresh tokens' FK is SET_NULL, but each token's text names the user: they go.
        OutstandingToken.objects.filter(user_id=user.pk).delete()
        _user_delete(user)
        record(
            action="account.erased",
            resource_type="accounts.User",
            resource_id=pseudonym,
            changes={"user": pseudonym, "deleted_at": user.deleted_at.isoformat() if user.deleted_at else ""},
        )
    return True


def _user_delete(user: User) -> None:
    """Delete the user row and, by cascade, every row of theirs. A row of theirs that another
    row of theirs protects (a position names its exchange account) stops Django's cascade, so
    such rows, which the cascade from the user deletes anyway, go first. Anything else that
    protects a row (someone else's data) still refuses the erase."""
    for _attempt in range(5):
        try:
            user.delete()
            return
        except ProtectedError as exc:
            blockers: dict[type[models.Model], list[Any]] = {}
            for row in exc.protected_objects:
                if not _cascades_with(row, user):
                    raise
                blockers.setdefault(type(row), []).append(row.pk)
            for model, pks in blockers.items():
                model._default_manager.filter(pk__in=pks).delete()
    user.delete()


def _cascades_with(row: models.Model, user: User) -> bool:
    """Whether deleting `user` deletes `row` through a foreign key of its own."""
    return any(
        field.many_to_one
        and field.related_model is User
        and field.remote_field.on_delete is models.CASCADE
        and getattr(row, field.attname) == user.pk
        for field in row._meta.concrete_fields
    )
