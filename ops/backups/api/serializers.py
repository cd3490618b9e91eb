"""What the admin page reads and sends: backups as rows with a download link, and the schedule."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ops.backups import storage
from ops.backups.models import Backup, BackupSchedule
from ops.backups.schedule import next_run_at


class BackupSerializer(serializers.ModelSerializer):
    uploaded = serializers.SerializerMethodField(help_text="A copy is in the S3 bucket")
    download_url = serializers.SerializerMethodField(help_text="Null until it succeeded, and once pruned")
    requested_by = serializers.SerializerMethodField()

    class Meta:
        model = Backup
        fields = (
            "id",
            "created_at",
            "finished_at",
            "trigger",
            "requested_by",
            "status",
            "progress",
            "step",
            "size_bytes",
            "encrypted",
            "uploaded",
            "verify_status",
            "verified_at",
            "verify_detail",
            "error",
            "pruned_at",
            "download_url",
        )
        read_only_fields = fields

    def get_uploaded(self, backup: Backup) -> bool:
        return bool(backup.remote_key)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download_url(self, backup: Backup) -> str | None:
        if backup.status != Backup.Status.SUCCEEDED or backup.pruned_at is not None:
            return None
        return reverse("backup-download", kwargs={"pk": backup.pk})

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_requested_by(self, backup: Backup) -> str | None:
        return backup.requested_by.email if backup.requested_by else None


@extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "03:00"})
class HourMinuteField(serializers.TimeField):
    """A time of day as "HH:MM" both ways (OpenAPI's "time" format would want seconds)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


class BackupScheduleSerializer(serializers.ModelSerializer):
    time_of_day = HourMinuteField(help_text="UTC, HH:MM")
    next_run_at = serializers.SerializerMethodField(help_text="Null when the schedule is off")
    encryption = serializers.SerializerMethodField(help_text="BACKUP_ENCRYPTION_KEY is set")
    s3 = serializers.SerializerMethodField(help_text="BACKUP_S3_BUCKET is set: archives are uploaded")
    keep = serializers.SerializerMethodField(
        help_text="Retention: newest backup of so many days, weeks, months"
    )

    class Meta:
        model = BackupSchedule
        fields = (
            "enabled",
            "time_of_day",
            "verify_after",
            "next_run_at",
            "encryption",
            "s3",
            "keep",
            "updated_at",
        )
        read_only_fields = ("next_run_at", "encryption", "s3", "keep", "updated_at")

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_next_run_at(self, schedule: BackupSchedule) -> datetime | None:
        return next_run_at(schedule)

    def get_encryption(self, schedule: BackupSchedule) -> bool:
        return bool(settings.BACKUP_ENCRYPTION_KEY)

    def get_s3(self, schedule: BackupSchedule) -> bool:
        return storage.enabled()

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_keep(self, schedule: BackupSchedule) -> dict[str, Any]:
        return {
            "daily": settings.BACKUP_KEEP_DAILY,
            "weekly": settings.BACKUP_KEEP_WEEKLY,
            "monthly": settings.BACKUP_KEEP_MONTHLY,
        }
