"""Failing tasks and requests become `ErrorLog` entries.

`connect()` is called once from an AppConfig.ready(); the dispatch uids make a second call harmless.
"""

from __future__ import annotations

import sys
import uuid
from typing import Any

from celery.signals import task_failure
from django.core.signals import got_request_exception
from django.http import HttpRequest

from config.request_meta import client_ip

from .services_logs import capture_error

_TASK_UID = "auditlog.signals_logs.task_failure"
_REQUEST_UID = "auditlog.signals_logs.got_request_exception"


def _user(user_id: Any) -> Any:
    from accounts.models import User

    if user_id in (None, ""):
        return None
    try:
        return User.objects.filter(id=uuid.UUID(str(user_id))).first()
    except (ValueError, TypeError):
        return None


def on_task_failure(
    sender: Any = None,
    task_id: str | None = None,
    exception: BaseException | None = None,
    args: Any = None,
    kwargs: dict[str, Any] | None = None,
    **extra: Any,
) -> None:
    if exception is None:
        return
    kwargs = kwargs or {}
    context = {
        "source": "task",
        "task": getattr(sender, "name", str(sender)),
        "task_id": task_id,
        "kwargs": kwargs,
    }
    capture_error(exception, context=context, user=_user(kwargs.get("user_id")))


def on_request_exception(sender: Any = None, request: HttpRequest | None = None, **extra: Any) -> None:
    exc = sys.exc_info()[1]
    if exc is None:
        return
    context: dict[str, Any] = {"source": "request"}
    user = client = None
    if request is not None:
        match = getattr(request, "resolver_match", None)
        route = match.route if match else ""
        context.update({"method": request.method, "path": request.path, "route": route})
        user = getattr(request, "user", None)
        client = client_ip(request)  # an anonymous flood is limited per client
    capture_error(exc, context=context, user=user, client=client)


def connect() -> None:
    task_failure.connect(on_task_failure, dispatch_uid=_TASK_UID, weak=False)
    got_request_exception.connect(on_request_exception, dispatch_uid=_REQUEST_UID, weak=False)


def connected() -> bool:
    return any(entry[0][0] == _REQUEST_UID for entry in got_request_exception.receivers)


def disconnect() -> None:
    task_failure.disconnect(dispatch_uid=_TASK_UID)
    got_request_exception.disconnect(dispatch_uid=_REQUEST_UID)
