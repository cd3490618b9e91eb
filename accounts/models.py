"""Users, their roles and their login sessions."""

from __future__ import annotations

import secrets
import uuid
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from config import encryption

from .emails import normalize_email


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    TRADER = "trader", "Trader"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Admin"


# viewer < trader < manager < admin
ROLE_RANK: dict[str, int] = {Role.VIEWER: 0, Role.TRADER: 1, Role.MANAGER: 2, Role.ADMIN: 3}


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        # Django's own lower-cases the domain only; every caller here gets the one form.
        return normalize_email(email or "")

    def get_by_natural_key(self, username: str | None) -> User:
        # Log-in is by e-mail, in the form it is stored in (not `iexact`: see accounts/emails.py).
        return self.get(email=normalize_email(username or ""))

    def create_user(self, email: str, username: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("email is required")
        if not username:
            raise ValueError("username is required")
        user = self.model(email=normalize_email(email), username=username, **fields)
        user.set_password(password)
        user.set_webhook_secret()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, username: str, password: str | None = None, **fields: Any) -> User:
        fields["role"] = Role.ADMIN
        return self.create_user(email, username, password, **fields)


class User(AbstractBaseUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField("e-mail", max_length=254, unique=True)
    username = models.CharField(max_length=150, unique=True, validators=[UnicodeUsernameValidator()])
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.TRADER, db_index=True)
    is_active = models.BooleanField(default=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # AES-GCM ciphertext bound to this row (config/encryption.py): a database dump does not reveal
    # it, yet the owner can see it again to paste into TradingView.
    webhook_secret_encrypted = models.TextField(blank=True, default="", editable=False)
    webhook_secret_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Bumped whenever the user's exchange accounts or DCA configurations change: the webhook reads
    # it with the user row and reuses its per-process copy of those while it is unchanged.
    routes_version = models.PositiveIntegerField(default=0, editable=False)
    # Self-deletion (DELETE /api/v1/me, accounts/deletion): the account is closed at once (no
    # login, no webhooks, keys gone) and the rest is erased by a beat task once `erase_after` passes.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    erase_after = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["username"]

    class Meta:
        ordering = ("created_at",)
        constraints: ClassVar = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Whichever way the row is written (API, admin form, shell), the address is stored in the
        # one form that lookups and the lockout use.
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    # --- roles ----------------------------------------------------------------------------------
    def has_role(self, minimum: str) -> bool:
        return self.is_active and ROLE_RANK.get(self.role, -1) >= ROLE_RANK[minimum]

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    # Django admin reads these: only the admin role may use it, with every permission.
    @property
    def is_staff(self) -> bool:
        return self.is_active and self.is_admin

    @property
    def is_superuser(self) -> bool:
        return self.is_active and self.is_admin

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.is_superuser

    def has_perms(self, perm_list: Any, obj: object = None) -> bool:
        return self.is_superuser

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_superuser

    # --- webhook secret -------------------------------------------------------------------------
    webhook_secret = encryption.SecretField()

    def set_webhook_secret(self) -> str:
        """Give the user a new random webhook secret and return it (the caller saves)."""
        secret = secrets.token_urlsafe(32)
        self.webhook_secret = secret
        self.webhook_secret_rotated_at = timezone.now()
        return secret

    def webhook_secret_matches(self, candidate: str) -> bool:
        return secrets.compare_digest(str(self.webhook_secret).encode(), candidate.encode())


class UserSession(models.Model):
    """One login: the refresh-token family it holds, where it came from, and whether it ended.

    Access tokens carry the session id (`sid`), so revoking a session ends its access tokens at
    once, not when they expire 24 hours later.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    # The jti of the one refresh token that is currently valid for this session.
    refresh_jti = models.CharField(max_length=64, db_index=True)
    ip = models.GenericIPAddressField("IP address", null=True, blank=True)  # null: not an IP
    user_agent = models.CharField(max_length=400, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ("-created_at",)
        indexes: ClassVar = [models.Index(fields=["user", "revoked_at", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.user} from {self.ip or '?'} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


from accounts.export.models import *  # noqa: E402,F403
