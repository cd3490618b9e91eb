"""A user's export holds every row they own, masked where secret, and nothing of anyone else's."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

from accounts.export.ownership import EXCLUDED, owned_rows, owner_path
from auditlog.models import AuditLog
from brokers.models import ExchangeConfig

from .everything import API_KEY, API_SECRET, PASSPHRASE, give_everything

pytestmark = pytest.mark.django_db(transaction=False)


def _reaches_user(model: type[models.Model], seen: frozenset[str] = frozenset()) -> bool:
    """Whether any chain of foreign keys, whatever their names, leads from `model` to the user
    model: found here independently of accounts/export/ownership.py, which it checks."""
    user_label = settings.AUTH_USER_MODEL
    if model._meta.label == user_label:
        return True
    for field in model._meta.concrete_fields:
        target = field.related_model if field.is_relation else None
        if target is None or target._meta.label in seen:
            continue
        if target._meta.label == user_label or _reaches_user(target, seen | {model._meta.label}):
            return True
    return False


def _body(response: Any) -> bytes:
    # Reading to the end closes the file (the test client's wrapper does, keeping the test's
    # database connection; `response.close()` here would close that too).
    return b"".join(response.streaming_content)


@pytest.fixture
def alice(trader: Any) -> Any:
    give_everything(trader)
    return trader


@pytest.fixture
def bob(other_trader: Any) -> Any:
    give_everything(other_trader)
    return other_trader


@pytest.fixture
def alice_json(alice: Any, bob: Any, client_for: Callable, export_now: Callable, download: Callable) -> bytes:
    export = export_now(client_for(alice), "json")
    assert export["status"] == "succeeded", export
    assert export["progress"] == 100
    response = download(export["download_url"])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="tradefleet-export-')
    return _body(response)


def _secrets_of(user: Any) -> list[str]:
    account = ExchangeConfig.objects.get(user=user, exchange="simulator", label="main")
    user.refresh_from_db()
    found = [
        API_KEY,
        API_SECRET,
        PASSPHRASE,
        account.api_key_encrypted,
        account.api_secret_encrypted,
        account.passphrase_encrypted,
        str(user.webhook_secret),
        user.webhook_secret_encrypted,
        user.password,
    ]
    assert all(found), "every planted secret is set"
    return found


def test_json_export_holds_every_row_the_user_owns_and_none_of_another_users(
    alice: Any, bob: Any, alice_json: bytes
) -> None:
    document = json.loads(alice_json)
    tables = document["tables"]
    assert document["user"]["email"] == alice.email
    checked = 0
    for model in apps.get_models():
        label = model._meta.label
        if not _reaches_user(model):
            continue
        if label in EXCLUDED:
            assert EXCLUDED[label].strip(), f"{label} is excluded without a reason"
            assert label not in tables
            continue
        assert owner_path(model) is not None, (
            f"{label} has a foreign key chain to the user but no owner: add it to OWNER_FIELDS "
            "or EXCLUDED in accounts/export/ownership.py"
        )
        assert label in tables, f"{label} is owned but missing from the export"
        pk_name = model._meta.pk.attname
        exported = {str(row[pk_name]) for row in tables[label]}
        alices = {str(pk) for pk in owned_rows(model, alice).values_list("pk", flat=True)}
        bobs = {str(pk) for pk in owned_rows(model, bob).values_list("pk", flat=True)}
        assert alices, f"the test data has no {label} row for the user"
        assert exported == alices, f"{label}: the export differs from the user's rows"
        assert not exported & bobs, f"{label}: another user's rows were exported"
        checked += 1
    assert checked >= 30
    assert document["excluded"] == dict(sorted(EXCLUDED.items()))


def test_json_export_writes_decimals_as_strings_and_times_in_utc(alice_json: bytes) -> None:
    fills = json.loads(alice_json)["tables"]["trading.Fill"]
    assert fills
    assert all(isinstance(fill["price"], str) for fill in fills)
    assert all(fill["executed_at"].endswith("Z") for fill in fills)


def test_json_export_holds_no_secret_only_the_masked_key(alice: Any, alice_json: bytes) -> None:
    text = alice_json.decode()
    for secret in _secrets_of(alice):
        assert secret not in text
    document = json.loads(alice_json)
    (account,) = [a for a in document["tables"]["brokers.ExchangeConfig"] if a["label"] == "main"]
    assert account["api_key_encrypted"] == f"****{API_KEY[-4:]}"
    assert account["api_secret_encrypted"] == "****"
    assert document["user"]["password"] == "****"
    assert document["user"]["webhook_secret_encrypted"] == "****"


def test_audit_entries_done_by_the_user_or_about_them_are_theirs(
    alice: Any, bob: Any, alice_json: bytes
) -> None:
    exported = {row["action"] for row in json.loads(alice_json)["tables"]["auditlog.AuditLog"]}
    assert {"test.done_by_user", "test.done_to_user", "data_export.requested"} <= exported
    requested = AuditLog.objects.get(action="data_export.requested")
    assert requested.owner == alice
    assert requested.changes == {"format": "json"}


def test_csv_export_is_a_zip_of_one_file_per_table_with_a_readme(
    alice: Any, bob: Any, client_for: Callable, export_now: Callable, download: Callable
) -> None:
    export = export_now(client_for(alice), "csv")
    assert export["status"] == "succeeded"
    response = download(export["download_url"])
    assert response.status_code == 200
    content = _body(response)
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = set(archive.namelist())
    assert {"README.txt", "accounts.User.csv", "trading.Fill.csv", "brokers.ExchangeConfig.csv"} <= names
    assert not {f"{label}.csv" for label in EXCLUDED} & names
    readme = archive.read("README.txt").decode()
    assert "token_blacklist.OutstandingToken" in readme
    fills = list(csv.DictReader(io.StringIO(archive.read("trading.Fill.csv").decode())))
    fill_model = apps.get_model("trading.Fill")
    alices = {str(pk) for pk in owned_rows(fill_model, alice).values_list("pk", flat=True)}
    assert {row["id"] for row in fills} == alices
    everything = b"".join(archive.read(name) for name in names)
    for secret in _secrets_of(alice):
        assert secret.encode() not in everything
