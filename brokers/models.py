"""Exchange accounts: a user's keys for one exchange, encrypted at rest, with validation state."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from config.encryption import SecretField


class Mode(models.TextChoices):
    TESTNET = "testnet", "Testnet"
    LIVE = "live", "Live"


class ExchangeConfig(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exchange_configs"
    )
    # A ccxt exchange id (binance, kraken, ...), or one of ours: `simulator`, `paper`.
    exchange = models.CharField(max_length=32, db_index=True)
    label = models.CharField(max_length=64, default="default")
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.TESTNET)
    # Secrets: AES-GCM ciphertext bound to this row and field (config/encryption.py).
    api_key_encrypted = models.TextField(blank=True, default="", editable=False)
    api_secret_encrypted = models.TextField(blank=True, default="", editable=False)
    passphrase_encrypted = models.TextField(blank=True, default="", editable=False)
    # A stock broker's login (Kotak Neo): api_key/api_secret hold the consumer key and secret.
    mobile_number_encrypted = models.TextField(blank=True, default="", editable=False)
    ucc_encrypted = models.TextField(blank=True, default="", editable=False)
    mpin_encrypted = models.TextField(blank=True, default="", editable=False)
    totp_secret_encrypted = models.TextField(blank=True, default="", editable=False)
    # The last four characters of the key, kept in clear so lists can show `****abcd`.
    api_key_last4 = models.CharField(max_length=4, blank=True, default="", editable=False)
    # Paper accounts fill against the prices of this exchange (`simulator` or a ccxt id).
    price_source = models.CharField(max_length=32, blank=True, default="")
    is_enabled = models.BooleanField(default=True)
    is_default = models.BooleanField(
        default=False, help_text="The account used for this exchange when a signal names none."
    )
    is_validated = models.BooleanField(default=False)
    last_validated = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    can_withdraw = models.BooleanField(null=True, blank=True)
    # What the last successful validation read: {"USDT": {"free": "900", "total": "1000"}} for
    # every asset with a non-zero total, amounts as decimal strings. A failed check keeps the
    # previous reading; `balances_at` says when it was taken.
    balances = models.JSONField(default=dict, blank=True, editable=False)
    balances_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    api_key = SecretField()
    api_secret = SecretField()
    passphrase = SecretField()
    mobile_number = SecretField()
    ucc = SecretField()
    mpin = SecretField()
    totp_secret = SecretField()

    class Meta:
        ordering = ("exchange", "label")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["user", "exchange", "label"], name="brokers_exchangeconfig_unique_label"
            ),
            models.UniqueConstraint(
                fields=["user", "exchange"],
                condition=models.Q(is_default=True),
                name="brokers_exchangeconfig_one_default",
            ),
        ]
        # The take-profit tick's quiet marks read the accounts changed recently.
        indexes: ClassVar = [models.Index(fields=["updated_at"], name="brokers_account_updated")]

    def __str__(self) -> str:
        return f"{self.exchange}:{self.label} ({self.user})"

    @property
    def masked_key(self) -> str:
        return f"****{self.api_key_last4}" if self.api_key_last4 else ""

    def set_credentials(self, *, api_key: str, api_secret: str, passphrase: str = "") -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.passphrase = passphrase
        self.api_key_last4 = api_key[-4:] if len(api_key) >= 8 else ""

    def set_broker_login(self, *, mobile_number: str, ucc: str, mpin: str, totp_secret: str) -> None:
        """A stock broker's login besides the consumer key and secret (Kotak Neo's two steps)."""
        self.mobile_number = mobile_number
        self.ucc = ucc
        self.mpin = mpin
        self.totp_secret = totp_secret

    @property
    def has_broker_login(self) -> bool:
        """Whether a broker login is stored, read without decrypting anything."""
        return all(
            (
                self.mobile_number_encrypted,
                self.ucc_encrypted,
                self.mpin_encrypted,
                self.totp_secret_encrypted,
            )
        )


from .marketdata.models import *  # noqa: E402,F403
from .paper_equities.models import *  # noqa: E402,F403
from .paper_models import *  # noqa: E402,F403
