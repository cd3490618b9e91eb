"""A task for the real-worker test, imported by that worker with `celery worker -I`."""

from __future__ import annotations

from accounts.models import User
from config.tasks import house_task


@house_task(name="tests.rename_user")
def rename_user(*, user_id: str, username: str) -> None:
    User.objects.filter(pk=user_id).update(username=username)
