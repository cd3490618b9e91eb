"""A Kotak Neo login as a trader types it: each field checked on its own, every bad one named,
none of the values in the message."""

from __future__ import annotations

import pyotp
import pytest

from brokers.kotak_credentials import KotakCredentialErrors, kotak_login_clean

TOTP_SECRET = pyotp.random_base32()
GOOD = {
    "consumer_key": "consumer-key-0001-ABCD",
    "consumer_secret": "consumer-secret-0001-WXYZ",
    "mobile_number": "9876543210",
    "ucc": "ab123",
    "mpin": "123456",
    "totp_secret": TOTP_SECRET,
}


def test_a_good_login_is_normalised_the_way_kotak_wants_it():
    spaced = " ".join(TOTP_SECRET.lower()[i : i + 4] for i in range(0, len(TOTP_SECRET), 4))
    login = kotak_login_clean(**{**GOOD, "totp_secret": spaced})
    assert login.mobile_number == "+919876543210"
    assert login.ucc == "AB123"
    assert login.totp_secret == TOTP_SECRET
    assert TOTP_SECRET not in repr(login)
    assert GOOD["mpin"] not in repr(login)


def test_the_consumer_secret_may_be_left_out():
    # Kotak's TOTP login sends only the consumer key; apps made for it show no secret.
    assert kotak_login_clean(**{**GOOD, "consumer_secret": "  "}).consumer_secret == ""


@pytest.mark.parametrize("mobile", ["+919876543210", "98765 43210", "+91 98765-43210"])
def test_a_mobile_number_with_or_without_the_country_code_is_accepted(mobile):
    assert kotak_login_clean(**{**GOOD, "mobile_number": mobile}).mobile_number == "+919876543210"


@pytest.mark.parametrize(
    ("field", "value", "error_field"),
    [
        ("consumer_key", "", "api_key"),
        ("mobile_number", "12345", "mobile_number"),
        ("mobile_number", "+449876543210", "mobile_number"),
        ("ucc", "AB-12!", "ucc"),
        ("ucc", "", "ucc"),
        ("mpin", "12a4", "mpin"),
        ("mpin", "123", "mpin"),
        ("mpin", "1234567", "mpin"),
        ("totp_secret", "123456", "totp_secret"),
        ("totp_secret", "not base32 at all!!", "totp_secret"),
        ("totp_secret", "ABCDEFGH", "totp_secret"),
    ],
)
def test_each_bad_field_is_named_and_its_value_never_repeated(field, value, error_field):
    with pytest.raises(KotakCredentialErrors) as caught:
        kotak_login_clean(**{**GOOD, field: value})
    assert list(caught.value.errors) == [error_field]
    if value.strip():
        assert value not in str(caught.value.errors)
        assert value not in str(caught.value)


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(KotakCredentialErrors) as caught:
        kotak_login_clean(**{name: "" for name in GOOD})
    assert set(caught.value.errors) == {
        "api_key",
        "mobile_number",
        "ucc",
        "mpin",
        "totp_secret",
    }
