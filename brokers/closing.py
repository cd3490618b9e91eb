"""What brokers does when its user closes their account (`account_closing`, accounts/hooks.py):
their exchange keys are wiped, and their accounts disabled, as the closing commits.

On commit, not at once: trading's receiver, in the same transaction, still needs the keys to
cancel the user's orders on the exchange (trading/service/closing.py), and receivers run in the
order the apps connect them (brokers first). The account rows stay, keyless, until the account
is erased: their positions' history names them.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.hooks import account_closing

from .adapters.session_cache import broker_session_forget
from .models import ExchangeConfig

logger = logging.getLogger(__name__)

# Every encrypted credential of an account (keys, a stock broker's login), emptied.
KEY_FIELDS = (
    "api_key_encrypted",
    "api_secret_encrypted",
    "passphrase_encrypted",
    "mobile_number_encrypted",
    "ucc_encrypted",
    "mpin_encrypted",
    "totp_secret_encrypted",
    "api_key_last4",
)


def exchange_keys_delete(*, user_id: Any) -> int:
    """Wipe every key of the user's exchange accounts and disable them (nothing trades or polls
    a disabled account). Returns how many accounts; safe to run twice."""
    accounts = list(ExchangeConfig.objects.filter(user_id=user_id).values_list("pk", flat=True))
    # updated_at changes too, so an adapter cached with the old keys is never reused.
    ExchangeConfig.objects.filter(pk__in=accounts).update(
        **dict.fromkeys(KEY_FIELDS, ""), is_enabled=False, is_validated=False, updated_at=timezone.now()
    )
    for account_id in accounts:
        broker_session_forget(account_id=account_id)
    return len(accounts)


def _wipe_after_commit(user_id: Any) -> None:
    try:
        exchange_keys_delete(user_id=user_id)
    except Exception:
        # The account is closed already and the user has their answer; an operator wipes the
        # keys by hand (docs/admin-guide/users-and-audit.md, "Deleted accounts").
        logger.exception("exchange keys of closed account %s not wiped", user_id)


def _account_closing(sender: Any, *, user: Any, **_: Any) -> dict[str, int]:
    user_id = user.pk
    transaction.on_commit(lambda: _wipe_after_commit(user_id))
    return {"exchange_accounts": ExchangeConfig.objects.filter(user_id=user_id).count()}


def connect() -> None:
    account_closing.connect(_account_closing, dispatch_uid="brokers-account-closing")
