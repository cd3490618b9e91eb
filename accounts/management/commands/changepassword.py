"""Django's `changepassword`, plus what a password change means here: every session of the user
ends, and the audit trail says so."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.management.commands.changepassword import Command as DjangoChangePassword
from django.db import transaction

from accounts.models import User
from accounts.sessions import sessions_revoke_all
from auditlog.services import record


class Command(DjangoChangePassword):
    def handle(self, *args: Any, **options: Any) -> str:
        result = super().handle(*args, **options)  # raises CommandError unless the password changed
        user = User.objects.filter(email__iexact=options.get("username") or "").first()
        if user is not None:
            with transaction.atomic():
                ended = sessions_revoke_all(user=user, reason="password_set_by_command")
                record(
                    action="auth.password_set",
                    owner=user,
                    resource=user,
                    changes={"via": "manage.py changepassword", "sessions_ended": ended},
                )
            self.stdout.write(f"{ended} session(s) of {user.email} ended.")
        return result
