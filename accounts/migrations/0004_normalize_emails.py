"""Stored e-mail addresses in the one form that lookups and the login lockout use
(accounts/emails.py). An address whose normal form another account already has is left as it is
and logged: an admin decides which account keeps it (until then it cannot log in by e-mail)."""

import logging

from django.db import IntegrityError, migrations, transaction

from accounts.emails import normalize_email

logger = logging.getLogger("accounts.migrations")


def normalize_stored_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for pk, email in list(User.objects.order_by("created_at").values_list("pk", "email")):
        normal = normalize_email(email)
        if normal == email:
            continue
        if User.objects.filter(email=normal).exclude(pk=pk).exists():
            logger.warning("e-mail of user %s left as it is: its normal form belongs to another account", pk)
            continue
        try:
            with transaction.atomic():
                User.objects.filter(pk=pk).update(email=normal)
        except IntegrityError:  # the case-insensitive constraint saw a collision the filter did not
            logger.warning("e-mail of user %s left as it is: its normal form belongs to another account", pk)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_usersession_ip_address"),
    ]

    operations = [
        migrations.RunPython(normalize_stored_emails, migrations.RunPython.noop),
    ]
