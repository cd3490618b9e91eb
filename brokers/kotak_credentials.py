"""A Kotak Neo login as a trader types it: checked field by field before anything is stored.

Pure (no Django): the services turn `KotakCredentialErrors` into field errors. A message names
what is wrong with a field, never its value, so a mistyped MPIN is not echoed back into an API
answer, a log line or the audit trail.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass

import pyotp

MOBILE = re.compile(r"^(?:\+91)?(\d{10})$")
UCC = re.compile(r"^[A-Za-z0-9]{1,20}$")
MPIN = re.compile(r"^\d{4,6}$")
# A TOTP secret shorter than 80 bits is not one an authenticator set-up hands out.
MIN_TOTP_SECRET_CHARS = 16


class KotakCredentialErrors(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(", ".join(sorted(errors)))  # the fields only, never a value
        self.errors = errors


@dataclass(frozen=True, repr=False)
class KotakLogin:
    """The normalised login: mobile number as Kotak wants it (+91 and 10 digits), UCC upper case,
    TOTP secret upper case without spaces."""

    consumer_key: str
    consumer_secret: str
    mobile_number: str
    ucc: str
    mpin: str
    totp_secret: str

    def __repr__(self) -> str:
        return "KotakLogin(<hidden>)"


def kotak_login_clean(
    *, consumer_key: str, consumer_secret: str, mobile_number: str, ucc: str, mpin: str, totp_secret: str
) -> KotakLogin:
    """The login with each field checked; raises KotakCredentialErrors naming every bad field."""
    errors: dict[str, list[str]] = {}
    consumer_key, consumer_secret = consumer_key.strip(), consumer_secret.strip()
    if not consumer_key:
        errors["api_key"] = ["Kotak Neo needs the consumer key of your TradeAPI app."]
    # The consumer secret is optional: Kotak's TOTP login sends only the key; older apps show one.
    mobile = MOBILE.match(re.sub(r"[\s-]", "", mobile_number))
    if mobile is None:
        errors["mobile_number"] = ["Enter the 10-digit mobile number registered with Kotak (+91 optional)."]
    ucc = ucc.strip().upper()
    if not UCC.match(ucc):
        errors["ucc"] = ["The UCC (client code) is letters and digits only."]
    mpin = mpin.strip()
    if not MPIN.match(mpin):
        errors["mpin"] = ["The MPIN is 4 to 6 digits."]
    totp_secret = re.sub(r"\s", "", totp_secret).upper()
    if not _is_totp_secret(totp_secret):
        errors["totp_secret"] = [
            "This is not a TOTP secret: paste the base32 key shown when you set up TOTP "
            "(letters A-Z and digits 2-7), not a 6-digit code."
        ]
    if errors:
        raise KotakCredentialErrors(errors)
    assert mobile is not None  # for the type checker: no error means it matched  # noqa: S101
    return KotakLogin(
        consumer_key=consumer_key,
        consumer_secret=consumer_secret,
        mobile_number=f"+91{mobile.group(1)}",
        ucc=ucc,
        mpin=mpin,
        totp_secret=totp_secret,
    )


def _is_totp_secret(secret: str) -> bool:
    if len(secret) < MIN_TOTP_SECRET_CHARS or not re.fullmatch(r"[A-Z2-7]+=*", secret):
        return False
    try:
        pyotp.TOTP(secret).now()  # decodes the base32 as the login will
    except (binascii.Error, ValueError):
        return False
    return True
