"""A Kotak Neo login at rest: encrypted under ENCRYPTION_KEYS like the exchange keys, bound to its
row, and re-encrypted by the key rotation with every other secret."""

from __future__ import annotations

from io import StringIO

import pyotp
import pytest
from django.core.management import call_command
from django.db import connection

from brokers.models import ExchangeConfig
from config import encryption

LOGIN = {
    "mobile_number": "+919876543210",
    "ucc": "KTK9Q7Z",
    "mpin": "482913",
    "totp_secret": pyotp.random_base32(),
}
BROKER_FIELDS = tuple(LOGIN)


@pytest.fixture
def kotak_account(trader) -> ExchangeConfig:
    config = ExchangeConfig(user=trader, exchange="kotak_neo", label="main", mode="live")
    config.set_credentials(api_key="kotak-consumer-key-7781", api_secret="kotak-consumer-secret-5512")
    config.set_broker_login(**LOGIN)
    config.save()
    return config


@pytest.fixture
def rotate_to_new_key(settings):
    old = settings.ENCRYPTION_KEYS
    settings.ENCRYPTION_KEYS = f"{encryption.generate_key_spec('k2')},{old}"
    encryption.keyring.cache_clear()
    yield
    settings.ENCRYPTION_KEYS = old
    encryption.keyring.cache_clear()


@pytest.mark.django_db
def test_the_broker_login_is_stored_encrypted_and_reads_back(kotak_account):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM brokers_exchangeconfig")
        row = " ".join(str(value) for value in cursor.fetchone())
    for value in LOGIN.values():
        assert value not in row
    stored = ExchangeConfig.objects.get(pk=kotak_account.pk)
    assert {name: getattr(stored, name) for name in BROKER_FIELDS} == LOGIN
    assert stored.has_broker_login


@pytest.mark.django_db
def test_a_broker_login_copied_into_another_account_does_not_decrypt(kotak_account, trader):
    other = ExchangeConfig(user=trader, exchange="kotak_neo", label="copy", mode="live")
    other.mpin_encrypted = kotak_account.mpin_encrypted
    other.save()
    with pytest.raises(encryption.DecryptionError):
        _ = ExchangeConfig.objects.get(pk=other.pk).mpin


@pytest.mark.django_db
def test_key_rotation_reencrypts_the_broker_login_and_keeps_its_values(kotak_account, rotate_to_new_key):
    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out, verbosity=0)
    stored = ExchangeConfig.objects.get(pk=kotak_account.pk)
    for name in BROKER_FIELDS:
        assert encryption.key_id(getattr(stored, f"{name}_encrypted")) == "k2", name
        assert getattr(stored, name) == LOGIN[name]
    assert encryption.key_id(stored.api_secret_encrypted) == "k2"
    assert stored.api_secret == "kotak-consumer-secret-5512"


@pytest.mark.django_db
def test_django_admin_shows_the_masked_consumer_key_and_never_the_login(kotak_account, admin_user, password):
    from django.test import Client

    browser = Client()
    assert browser.login(username=admin_user.email, password=password)
    listing = browser.get("/admin/brokers/exchangeconfig/").content.decode()
    page = browser.get(f"/admin/brokers/exchangeconfig/{kotak_account.pk}/change/").content.decode()
    assert "****7781" in listing
    assert "stored, encrypted" in page
    for text in (listing, page):
        for value in (*LOGIN.values(), LOGIN["mobile_number"][-10:], "kotak-consumer-secret-5512"):
            assert value not in text
        assert "kotak-consumer-key-7781" not in text
