from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from rest_framework import mixins, viewsets

from auditlog.models import AuditLog
from auditlog.selectors import audit_entries_for
from config.api.filters import UTCIsoDateTimeFilter

from .serializers import AuditLogSerializer


class AuditLogFilter(django_filters.FilterSet):
    user = django_filters.UUIDFilter(method="filter_user", label="Actor or owner (admin)")
    action = django_filters.CharFilter(lookup_expr="startswith", label="Action or its prefix, e.g. auth.")
    resource_type = django_filters.CharFilter()
    resource_id = django_filters.CharFilter()
    created_after = UTCIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UTCIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditLog
        fields = ("action", "resource_type", "resource_id")

    def filter_user(self, queryset: QuerySet[AuditLog], name: str, value: object) -> QuerySet[AuditLog]:
        return queryset.filter(Q(actor_id=value) | Q(owner_id=value))


class AuditLogViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your audit trail (what you and others did to your account); admins see everyone's."""

    serializer_class = AuditLogSerializer
    filterset_class = AuditLogFilter

    def get_queryset(self) -> QuerySet[AuditLog]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return AuditLog.objects.none()
        return audit_entries_for(user=self.request.user)
