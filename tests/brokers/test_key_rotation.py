from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from brokers.models import ExchangeConfig
from config import encryption


@pytest.fixture
def rotate_to_new_key(settings):
    old = settings.ENCRYPTION_KEYS
    settings.ENCRYPTION_KEYS = f"{encryption.generate_key_spec('k2')},{old}"
    encryption.keyring.cache_clear()
    yield
    settings.ENCRYPTION_KEYS = old
    encryption.keyring.cache_clear()


def run(*args: str) -> str:
    out = StringIO()
    call_command("rotate_encryption_keys", *args, stdout=out, verbosity=0)
    return out.getvalue()


@pytest.fixture
def stored(trader):
    config = ExchangeConfig(user=trader, exchange="binance", label="main", mode="testnet")
    config.set_credentials(api_key="AKEY-1234-abcd", api_secret="s3cret-value", passphrase="")
    config.save()
    return trader, config


@pytest.mark.django_db
def test_rotation_reencrypts_every_secret_under_the_new_key_and_keeps_the_values(stored, rotate_to_new_key):
    trader, config = stored
    secret_before = trader.webhook_secret
    output = run()
    assert "re-encrypted 3 value(s) under key 'k2'" in output
    trader, config = User.objects.get(pk=trader.pk), ExchangeConfig.objects.get(pk=config.pk)
    assert encryption.key_id(trader.webhook_secret_encrypted) == "k2"
    assert encryption.key_id(config.api_secret_encrypted) == "k2"
    assert trader.webhook_secret == secret_before
    assert config.api_key == "AKEY-1234-abcd"
    assert config.api_secret == "s3cret-value"
    assert "re-encrypted 0 value(s)" in run()


@pytest.mark.django_db
def test_dry_run_changes_nothing(stored, rotate_to_new_key):
    trader, _ = stored
    before = User.objects.get(pk=trader.pk).webhook_secret_encrypted
    assert "would re-encrypt 3" in run("--dry-run")
    assert User.objects.get(pk=trader.pk).webhook_secret_encrypted == before


@pytest.mark.django_db
def test_a_value_no_configured_key_can_open_stops_the_rotation(stored, settings):
    old = settings.ENCRYPTION_KEYS
    settings.ENCRYPTION_KEYS = encryption.generate_key_spec("unrelated")
    encryption.keyring.cache_clear()
    try:
        with pytest.raises(CommandError, match="cannot be decrypted"):
            run()
    finally:
        settings.ENCRYPTION_KEYS = old
        encryption.keyring.cache_clear()
