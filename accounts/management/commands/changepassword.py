"""Django's `changepassword`, plus what a password change means here: every session of the user
ends, and the audit trail says so."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.management.commands.changepassword import Command as DjangoChangePassword

from accounts.emails import normalize_email
from accounts.models import User
from accounts.services import sessions_end_all


class Command(DjangoChangePassword):
    def handle(self, *args: Any, **options: Any) -> str:
        if options.get("username"):
            # Django's command looks the address up as typed; rows hold the normalised form.
            options["username"] = normalize_email(options["username"])
        result = super().handle(*args, **options)  # raises CommandError unless the password changed
        user = User.objects.filter(email=options.get("username") or "").first()
        if user is not None:
            ended = sessions_end_all(
                user=user,
                action="auth.password_set",
                reason="password_set_by_command",
                changes={"via": "manage.py changepassword"},
            )
            self.stdout.write(f"{ended} session(s) of {user.email} ended.")
        return result
