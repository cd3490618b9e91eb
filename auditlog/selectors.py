from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from .models import AuditLog


def audit_entries_for(*, user: Any) -> QuerySet[AuditLog]:
    """The entries a user may read: their own (as actor or owner); admins read all."""
    queryset = AuditLog.objects.select_related("actor", "owner")
    if user.is_admin:
        return queryset
    return queryset.filter(Q(actor=user) | Q(owner=user))
