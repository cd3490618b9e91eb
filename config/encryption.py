"""Encryption of secrets at rest: AES-256-GCM, one random 96-bit nonce per value.

Stored form: `v1:<key id>:<base64url(nonce || ciphertext+tag)>`. The associated data binds a value
to its row and field (`accounts.User:webhook_secret:<uuid>`), so a ciphertext copied into another
row or column fails to decrypt instead of revealing someone else's secret. Keys come from
`ENCRYPTION_KEYS` (`kid:base64key,...`): the first encrypts, every one decrypts, which is what a
key rotation needs. A failure raises `DecryptionError`; ciphertext is never handed back as if it
were the plaintext.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "v1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """The value cannot be decrypted: unknown key id, tampered data, or bound to another row."""


@dataclass(frozen=True)
class Keyring:
    primary_id: str
    keys: dict[str, bytes]


def parse_keys(spec: str) -> Keyring:
    """`k2:base64key,k1:base64key` to a keyring whose first key encrypts."""
    keys: dict[str, bytes] = {}
    primary = ""
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        kid, sep, encoded = item.partition(":")
        if not sep or not kid or ":" in encoded:
            raise ImproperlyConfigured("ENCRYPTION_KEYS entries look like 'kid:base64key'")
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured(f"ENCRYPTION_KEYS key '{kid}' is not base64") from exc
        if len(raw) != 32:
            raise ImproperlyConfigured(f"ENCRYPTION_KEYS key '{kid}' must be 32 bytes (AES-256)")
        if kid in keys:
            raise ImproperlyConfigured(f"ENCRYPTION_KEYS key id '{kid}' appears twice")
        keys[kid] = raw
        primary = primary or kid
    if not keys:
        raise ImproperlyConfigured("ENCRYPTION_KEYS is empty")
    return Keyring(primary_id=primary, keys=keys)


def generate_key_spec(kid: str = "k1") -> str:
    return f"{kid}:{base64.urlsafe_b64encode(os.urandom(32)).decode()}"


@lru_cache(maxsize=1)
def keyring() -> Keyring:
    return parse_keys(settings.ENCRYPTION_KEYS)


def associated_data(label: str, field: str, row_id: object) -> bytes:
    return f"{label}:{field}:{row_id}".encode()


def encrypt(plaintext: str, *, aad: bytes) -> str:
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.primary_id]).encrypt(nonce, plaintext.encode(), aad)
    return f"{PREFIX}:{ring.primary_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, aad: bytes) -> str:
    prefix, _, rest = token.partition(":")
    kid, _, body = rest.partition(":")
    if prefix != PREFIX or not kid or not body:
        raise DecryptionError("not an encrypted value")
    key = keyring().keys.get(kid)
    if key is None:
        raise DecryptionError(f"no key with id '{kid}' is configured")
    try:
        blob = base64.urlsafe_b64decode(body)
    except (binascii.Error, ValueError):
        raise DecryptionError("value is not valid base64") from None
    if len(blob) < NONCE_BYTES + 16:  # nonce + GCM tag at the least
        raise DecryptionError("value is too short to be a ciphertext")
    try:
        plaintext = AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except InvalidTag:
        raise DecryptionError("value was tampered with or belongs to another row") from None
    return plaintext.decode()


def key_id(token: str) -> str:
    return token.split(":", 2)[1] if token.count(":") >= 2 else ""


class SecretField:
    """A model attribute kept encrypted in the column `<name>_encrypted`, bound to its row:

        class ExchangeConfig(models.Model):
            api_secret_encrypted = models.TextField(blank=True, default="", editable=False)
            api_secret = SecretField()

    Reading decrypts (raising DecryptionError, never returning ciphertext); assigning encrypts.
    The row's primary key must exist before assignment (UUID keys with a default do). Every
    declared SecretField is listed in `SecretField.registry`, which key rotation walks.
    """

    registry: list[tuple[type, str]] = []

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.column = f"{name}_encrypted"
        SecretField.registry.append((owner, name))

    def aad(self, instance: object) -> bytes:
        return associated_data(instance._meta.label, self.name, instance.pk)  # type: ignore[attr-defined]  # a model

    def __get__(self, instance: object, owner: type | None = None) -> object:
        if instance is None:
            return self
        token = getattr(instance, self.column)
        return decrypt(token, aad=self.aad(instance)) if token else ""

    def __set__(self, instance: object, value: str) -> None:
        setattr(instance, self.column, encrypt(value, aad=self.aad(instance)) if value else "")

    def reencrypt(self, instance: object) -> bool:
        """Encrypt the value again under the primary key; True when it was under another key."""
        token = getattr(instance, self.column)
        if not token or key_id(token) == keyring().primary_id:
            return False
        setattr(instance, self.name, self.__get__(instance))
        return True
