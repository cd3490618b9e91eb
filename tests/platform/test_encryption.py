from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from config import encryption
from config.encryption import DecryptionError, associated_data, decrypt, encrypt

AAD = associated_data("accounts.User", "webhook_secret", "row-1")


@pytest.fixture(autouse=True)
def _fresh_keyring():
    encryption.keyring.cache_clear()
    yield
    encryption.keyring.cache_clear()


@given(st.text(max_size=300))
def test_what_goes_in_comes_out(plaintext):
    assert decrypt(encrypt(plaintext, aad=AAD), aad=AAD) == plaintext


def test_same_plaintext_encrypts_differently_each_time():
    assert encrypt("same", aad=AAD) != encrypt("same", aad=AAD)


def test_value_bound_to_another_row_or_field_does_not_decrypt():
    token = encrypt("secret", aad=AAD)
    with pytest.raises(DecryptionError):
        decrypt(token, aad=associated_data("accounts.User", "webhook_secret", "row-2"))
    with pytest.raises(DecryptionError):
        decrypt(token, aad=associated_data("accounts.User", "other_field", "row-1"))


@pytest.mark.parametrize("bad", ["", "plaintext", "v1:nokey:abc", "v1:test1:!!!", "v2:test1:AAAA"])
def test_garbage_raises_and_never_returns_the_input(bad):
    with pytest.raises(DecryptionError):
        decrypt(bad, aad=AAD)


def test_tampered_ciphertext_raises():
    token = encrypt("secret", aad=AAD)
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(DecryptionError):
        decrypt(flipped, aad=AAD)


def test_rotation_new_key_encrypts_old_key_still_decrypts(settings):
    old_spec = settings.ENCRYPTION_KEYS
    old_token = encrypt("before rotation", aad=AAD)
    new_spec = encryption.generate_key_spec("k2")
    with override_settings(ENCRYPTION_KEYS=f"{new_spec},{old_spec}"):
        encryption.keyring.cache_clear()
        assert decrypt(old_token, aad=AAD) == "before rotation"
        assert encryption.key_id(encrypt("after", aad=AAD)) == "k2"
    with override_settings(ENCRYPTION_KEYS=new_spec):
        encryption.keyring.cache_clear()
        with pytest.raises(DecryptionError):
            decrypt(old_token, aad=AAD)


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "nokid",
        "k1:short",
        "k1:%%%",
        "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    ],
)
def test_bad_key_configuration_is_refused_at_start(spec):
    with pytest.raises(ImproperlyConfigured):
        encryption.parse_keys(spec)
