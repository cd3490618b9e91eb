"""The hourly erase of closed accounts whose grace period has passed (beat:
`accounts-erase-deleted`). Safe to run twice: an erased account is no longer found."""

from __future__ import annotations

from config.tasks import house_task

from .services import accounts_erase_due


@house_task(expires=3000)
def erase_deleted_accounts() -> int:
    return accounts_erase_due()
