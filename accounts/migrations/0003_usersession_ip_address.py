"""A session's IP becomes an IP address column, null when the request's address was not one.

Text that is not an IP address is nulled before the column changes type, since PostgreSQL's `inet`
refuses it."""

from django.db import migrations, models

from config.request_meta import ip_or_none


def null_what_is_not_an_ip(apps, schema_editor):
    UserSession = apps.get_model("accounts", "UserSession")
    UserSession.objects.filter(ip="").update(ip=None)
    for value in list(UserSession.objects.exclude(ip=None).values_list("ip", flat=True).distinct()):
        address = ip_or_none(value)
        if address != value:
            UserSession.objects.filter(ip=value).update(ip=address)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_routes_version"),
    ]

    operations = [
        migrations.AlterField(
            model_name="usersession",
            name="ip",
            field=models.CharField("IP address", max_length=64, null=True, blank=True),
        ),
        migrations.RunPython(null_what_is_not_an_ip, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="usersession",
            name="ip",
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address"),
        ),
    ]
