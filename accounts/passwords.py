"""The password rule Django's validators do not cover: an upper-case letter and a digit."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class UppercaseAndDigitValidator:
    def validate(self, password: str, user: Any = None) -> None:
        missing = []
        if not any(ch.isupper() for ch in password):
            missing.append("an upper-case letter")
        if not any(ch.isdigit() for ch in password):
            missing.append("a digit")
        if missing:
            raise ValidationError(
                "The password must contain %(missing)s.",
                code="password_too_simple",
                params={"missing": " and ".join(missing)},
            )

    def get_help_text(self) -> str:
        return "Your password must contain an upper-case letter and a digit."
