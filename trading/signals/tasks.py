"""Celery entry points of the signals: the summary of a window's refused webhook posts."""

from __future__ import annotations

from config.tasks import house_task
from trading.signals.authentication import REPORT_AUTH_FAILURES, webhook_auth_failures_report


# No expiry: a late message finds the window's counts expired and writes nothing.
@house_task(name=REPORT_AUTH_FAILURES)
def report_webhook_auth_failures(*, user_id: str, window: int) -> None:
    webhook_auth_failures_report(user_id=user_id, window=window)
