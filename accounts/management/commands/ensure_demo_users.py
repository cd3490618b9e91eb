"""Create the demo admin and demo trader of a local install, each with a random password.

The passwords are printed once, when the users are created, and never stored anywhere else; there
is no default password. Later runs only say that the users exist and how to set a new password.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import Role, User
from config.env import var_dir

RESET_HINT = ".venv/bin/python manage.py changepassword {email}"


@dataclass(frozen=True)
class DemoUser:
    email: str
    username: str
    role: str


DEMO_USERS = (
    DemoUser(email="admin@tradefleet.local", username="admin", role=Role.ADMIN),
    DemoUser(email="trader@tradefleet.local", username="trader", role=Role.TRADER),
)


def generate_password(user: User) -> str:
    """A random password that passes the password policy (>= 12 characters, an upper-case letter
    and a digit: the `Tf1` prefix guarantees both; the validators are asked all the same)."""
    for _ in range(10):
        candidate = "Tf1" + secrets.token_urlsafe(18)
        try:
            validate_password(candidate, user)
        except ValidationError:
            continue
        return candidate
    raise CommandError("could not generate a password that satisfies the password policy")


def _free_username(wanted: str) -> str:
    if not User.objects.filter(username__iexact=wanted).exists():
        return wanted
    return f"{wanted}-{secrets.token_hex(3)}"


def box(lines: list[str]) -> str:
    width = max(len(line) for line in lines)
    rule = "+" + "-" * (width + 4) + "+"
    return "\n".join([rule, *(f"|  {line.ljust(width)}  |" for line in lines), rule])


LOGINS_FILE = "demo-logins.txt"


def _save_logins(logins: list[str], base_url: str) -> Path:
    """The demo logins in var/demo-logins.txt, readable by this user only (0600): the console box
    scrolls away, the file stays until the user deletes it."""
    path = var_dir() / LOGINS_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an older file keeps its mode through O_TRUNC
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(["Tradefleet demo logins", "", *logins, "", f"Start page {base_url}/", ""]))
    return path


class Command(BaseCommand):
    help = "Create the demo admin and trader (random passwords, printed once) unless they exist."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Where the platform is served (for the printout).",
        )

    def handle(self, *args: Any, base_url: str, **options: Any) -> None:
        created: list[tuple[User, str]] = []
        existing: list[User] = []
        with transaction.atomic():
            for demo in DEMO_USERS:
                user = User.objects.filter(email__iexact=demo.email).first()
                if user is not None:
                    existing.append(user)
                    continue
                username = _free_username(demo.username)
                password = generate_password(User(email=demo.email, username=username, role=demo.role))
                user = User.objects.create_user(demo.email, username, password, role=demo.role)
                created.append((user, password))

        base_url = base_url.rstrip("/")
        if created:
            width = max(len(user.email) for user, _ in created)
            logins = [
                f"{user.role:<7} {user.email:<{width}}  password: {password}" for user, password in created
            ]
            saved = _save_logins(logins, base_url)
            lines = [f"Tradefleet demo logins (also in {saved}, readable only by you)", ""]
            lines += logins
            lines += [
                "",
                f"Start page {base_url}/",
                f"API docs   {base_url}/api/v1/docs/",
                f"Admin      {base_url}/admin/  (the admin login)",
                "",
                "Lost a password? " + RESET_HINT.format(email="<e-mail>"),
            ]
            self.stdout.write(box(lines))
        if existing:
            names = ", ".join(f"{user.email} ({user.role})" for user in existing)
            where = (
                f"saved in {LOGINS_FILE}"
                if (var_dir() / LOGINS_FILE).exists()
                else "shown when they were created"
            )
            self.stdout.write(
                f"Demo users exist: {names}. Their passwords were {where}; "
                f"to set a new one: {RESET_HINT.format(email=existing[0].email)}"
            )
        self.stdout.flush()
