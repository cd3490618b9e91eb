"""The audit trail's IP becomes an IP address column (null when it was not one), and an error log
row counts repeats of its failure (cause, count, last_seen_at) instead of a row per repeat.

Text that is not an IP address (a client could once set it through X-Forwarded-For) is nulled
before the column changes type, since PostgreSQL's `inet` refuses it."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F

from config.request_meta import ip_or_none


def null_what_is_not_an_ip(apps, schema_editor):
    AuditLog = apps.get_model("auditlog", "AuditLog")
    AuditLog.objects.filter(ip="").update(ip=None)
    for value in list(AuditLog.objects.exclude(ip=None).values_list("ip", flat=True).distinct()):
        address = ip_or_none(value)
        if address != value:
            AuditLog.objects.filter(ip=value).update(ip=address)


def last_seen_is_first_seen(apps, schema_editor):
    apps.get_model("auditlog", "ErrorLog").objects.update(last_seen_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("auditlog", "0002_service_and_error_logs"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditlog",
            name="ip",
            field=models.CharField("IP address", max_length=64, null=True, blank=True),
        ),
        migrations.RunPython(null_what_is_not_an_ip, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditlog",
            name="ip",
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address"),
        ),
        migrations.AddField(
            model_name="errorlog",
            name="cause",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="errorlog",
            name="count",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="errorlog",
            name="last_seen_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RunPython(last_seen_is_first_seen, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="errorlog",
            index=models.Index(fields=["cause", "-last_seen_at"], name="auditlog_er_cause_a485d7_idx"),
        ),
    ]
