"""`manage.py ensure_demo_users`: random passwords, shown once, never a default."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command

from accounts.models import Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def var_dir(tmp_path, monkeypatch):
    """The demo logins file goes to a scratch var/, never the checkout's."""
    monkeypatch.setenv("TRADEFLEET_VAR_DIR", str(tmp_path))
    return tmp_path


PASSWORD_LINE = re.compile(r"(\S+@tradefleet\.local)\s+password: (\S+)")


def run(base_url: str = "http://127.0.0.1:8123") -> str:
    out = StringIO()
    call_command("ensure_demo_users", base_url=base_url, stdout=out)
    return out.getvalue()


def test_first_run_creates_an_admin_and_a_trader_and_prints_their_passwords_with_the_urls() -> None:
    output = run()
    passwords = dict(PASSWORD_LINE.findall(output))
    assert set(passwords) == {"admin@tradefleet.local", "trader@tradefleet.local"}
    assert User.objects.get(email="admin@tradefleet.local").role == Role.ADMIN
    assert User.objects.get(email="trader@tradefleet.local").role == Role.TRADER
    for email, password in passwords.items():
        user = User.objects.get(email=email)
        assert user.check_password(password)
        validate_password(password, user)  # the password policy holds
    for url in (
        "http://127.0.0.1:8123/",
        "http://127.0.0.1:8123/api/v1/docs/",
        "http://127.0.0.1:8123/admin/",
    ):
        assert url in output


def test_later_runs_print_no_password_and_say_how_to_reset_one() -> None:
    run()
    output = run()
    assert "password:" not in output
    assert "Demo users exist" in output
    assert "manage.py changepassword admin@tradefleet.local" in output
    assert User.objects.filter(email__endswith="@tradefleet.local").count() == 2


def test_every_install_gets_its_own_passwords() -> None:
    first = dict(PASSWORD_LINE.findall(run()))
    User.objects.filter(email__endswith="@tradefleet.local").delete()
    second = dict(PASSWORD_LINE.findall(run()))
    assert first["trader@tradefleet.local"] != second["trader@tradefleet.local"]
    assert first["admin@tradefleet.local"] != second["admin@tradefleet.local"]


def test_a_missing_demo_user_is_created_again_without_touching_the_other(trader: User) -> None:
    run()
    User.objects.filter(email="trader@tradefleet.local").delete()
    admin_hash = User.objects.get(email="admin@tradefleet.local").password
    output = run()
    assert [email for email, _ in PASSWORD_LINE.findall(output)] == ["trader@tradefleet.local"]
    assert User.objects.get(email="admin@tradefleet.local").password == admin_hash


def test_the_logins_are_also_saved_to_a_file_only_the_user_can_read(var_dir) -> None:
    output = run()
    saved = var_dir / "demo-logins.txt"
    assert str(saved) in output  # the banner names it
    assert saved.stat().st_mode & 0o777 == 0o600
    assert dict(PASSWORD_LINE.findall(saved.read_text())) == dict(PASSWORD_LINE.findall(output))
    assert "saved in demo-logins.txt" in run()  # later starts point at it
