"""The one way other apps write to the audit trail.

Call `record(...)` inside the same `transaction.atomic()` block as the change it describes, so the
entry exists exactly when the change does.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.db import models
from django.http import HttpRequest

from config.request_meta import client_address, ip_or_none, user_agent

from .models import AuditLog

# Keys whose values never enter the audit trail, however a caller spells them.
_SECRET_KEY = re.compile(r"(?i)(password|secret|token|api[_-]?key|passphrase|private)")
REDACTED = "[redacted]"


def scrub(value: Any) -> Any:
    """A JSON-safe copy of `value` with every secret-looking key's value replaced."""
    if isinstance(value, dict):
        return {str(k): REDACTED if _SECRET_KEY.search(str(k)) else scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def record(
    *,
    action: str,
    actor: Any = None,
    owner: Any = None,
    resource: models.Model | None = None,
    resource_type: str = "",
    resource_id: Any = "",
    changes: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    origin: tuple[str | None, str] | None = None,
) -> AuditLog:
    """Write one audit entry. `actor` did `action`; `owner` (default: the actor) is whose data it
    concerns; `resource` or `resource_type`/`resource_id` names what it touched; `changes` holds
    before/after values (secrets are scrubbed); `request` gives IP and user agent, or `origin`
    does (`request_origin(request)`, kept by a task that records what a request asked for)."""
    actor = actor if getattr(actor, "is_authenticated", False) else None
    ip, agent = origin if origin is not None else request_origin(request)
    if resource is not None:
        resource_type = resource_type or resource._meta.label
        resource_id = resource_id or resource.pk
    return AuditLog.objects.create(
        actor=actor,
        owner=owner if owner is not None else actor,
        actor_label=getattr(actor, "email", "") or "",
        action=action,
        resource_type=resource_type,
        resource_id=str(resource_id or ""),
        changes=scrub(changes or {}),
        ip=ip_or_none(ip),
        user_agent=agent[:400],
    )


def request_origin(request: HttpRequest | None) -> tuple[str | None, str]:
    """Where a request came from, as the audit trail stores it: (IP or None, user agent)."""
    if request is None:
        return None, ""
    return client_address(request), user_agent(request)


def pseudonym_for(user_id: Any) -> str:
    """The name a deleted user's audit entries carry: stable for one user, not their id."""
    return f"deleted-user-{hashlib.sha256(str(user_id).encode()).hexdigest()[:12]}"


def pseudonymise_user(*, user: Any) -> str:
    """Before `user`'s row is erased: the audit entries by or about them keep what happened,
    but no longer name them. Their actor/owner links are cut, and their e-mail, username and id
    are replaced by `pseudonym_for(user.pk)` wherever the entry holds them as text (the actor
    label, the resource id, the before/after values). Returns the pseudonym."""
    pseudonym = pseudonym_for(user.pk)
    names = [re.escape(str(value)) for value in (user.email, user.pk) if value]
    if user.username:
        # Whole words only: a short username must not eat the letters of other words.
        names.append(rf"(?<![\w.@+-]){re.escape(user.username)}(?![\w.@+-])")
    pattern = re.compile("|".join(names), re.IGNORECASE)
    entries = AuditLog.objects.filter(
        models.Q(actor_id=user.pk)
        | models.Q(owner_id=user.pk)
        | models.Q(actor_label__iexact=user.email)
        | models.Q(resource_type="accounts.User", resource_id=str(user.pk))
    )
    changed = []
    for entry in entries.iterator(chunk_size=500):
        entry.actor_id = None if entry.actor_id == user.pk else entry.actor_id
        entry.owner_id = None if entry.owner_id == user.pk else entry.owner_id
        entry.actor_label = pattern.sub(pseudonym, entry.actor_label)
        entry.resource_id = pattern.sub(pseudonym, entry.resource_id)[:64]
        entry.changes = _replace_text(entry.changes, pattern, pseudonym)
        changed.append(entry)
    AuditLog.objects.bulk_update(
        changed, ["actor", "owner", "actor_label", "resource_id", "changes"], batch_size=500
    )
    return pseudonym


def _replace_text(value: Any, pattern: re.Pattern[str], replacement: str) -> Any:
    if isinstance(value, dict):
        return {
            pattern.sub(replacement, str(k)): _replace_text(v, pattern, replacement) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_replace_text(v, pattern, replacement) for v in value]
    if isinstance(value, str):
        return pattern.sub(replacement, value)
    return value
