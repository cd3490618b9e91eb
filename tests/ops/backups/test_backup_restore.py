"""A backup of a populated database, restored after a wipe, gives back every row, every file and
every secret as it was. Runs on the database of DATABASE_URL (PostgreSQL: pg_dump/pg_restore) and
on SQLite (the online backup API) alike."""

from __future__ import annotations

import json
import tarfile
import threading
import time
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from auditlog.log_handler import user_log_file
from auditlog.models import AuditLog
from brokers.models import ExchangeConfig
from config import maintenance
from config.encryption import keyring
from ops.backups import services
from ops.backups.models import Backup
from tests.factories import UserFactory
from tests.ops.backups.conftest import fingerprint, member_names
from tests.trading.factories import SignalFactory, group_with_legs

# Rows the restore itself writes: its audit entry, and the finished state of the backup whose
# dump caught it running. Both are asserted on their own below.
CHANGED_BY_THE_RESTORE = {"auditlog_auditlog", "backups_backup"}


@pytest.fixture
def populated(backup_dirs: dict[str, Path]) -> dict[str, object]:
    trader, other = UserFactory(), UserFactory()
    account = ExchangeConfig(user=trader, exchange="binance", label="main", mode="testnet")
    account.set_credentials(api_key="AKEY-1234-abcd", api_secret="s3cret-value", passphrase="pass-phrase")
    account.save()
    broker = ExchangeConfig(user=other, exchange="kotak", label="neo", mode="live")
    broker.set_credentials(api_key="consumer-key-99", api_secret="consumer-secret")
    broker.set_broker_login(mobile_number="+919999999999", ucc="UCC42", mpin="1234", totp_secret="JBSWY3DP")
    broker.save()
    group_with_legs(user=trader, filled=2, total=4, pyramids=2)
    SignalFactory.create_batch(3, user=trader)
    artifact = backup_dirs["artifacts"] / "verdict_classifier" / "model-1.joblib"
    artifact.parent.mkdir(parents=True)
    artifact.write_bytes(b"\x80\x04model-bytes" * 100)
    log = user_log_file(trader.pk, datetime(2026, 12, 5, tzinfo=UTC))
    log.parent.mkdir(parents=True)
    log.write_text("2026-12-05 10:00:00 INFO order placed\n")
    # Generated secrets live in var/ itself; they must never end up in an archive.
    (backup_dirs["var"] / "encryption_keys").write_text("k1:not-for-the-archive")
    return {
        "trader": trader,
        "other": other,
        "secrets": {
            account.pk: (account.api_key, account.api_secret, account.passphrase),
            broker.pk: (broker.api_key, broker.mobile_number, broker.mpin, broker.totp_secret),
        },
        "webhook_secrets": {trader.pk: trader.webhook_secret, other.pk: other.webhook_secret},
        "artifact": artifact,
        "log": log,
    }


@pytest.mark.django_db(transaction=True)
def test_restore_after_a_wipe_gives_back_every_row_file_and_secret(populated, make_backup):
    before = fingerprint()
    audit_rows_before = AuditLog.objects.count()
    backup = make_backup()
    path = services.backup_path(backup)
    artifact, log = populated["artifact"], populated["log"]
    artifact_bytes, log_text = artifact.read_bytes(), log.read_text()

    call_command("flush", interactive=False, verbosity=0)
    artifact.unlink()
    log.unlink()
    assert not ExchangeConfig.objects.exists()

    restored = services.restore_archive(path)

    after = fingerprint()
    for table, (rows, content) in before.items():
        if table not in CHANGED_BY_THE_RESTORE:
            assert after[table] == (rows, content), f"{table} differs after the restore"
    assert set(after) == set(before)
    assert artifact.read_bytes() == artifact_bytes
    assert log.read_text() == log_text
    assert restored.files == 2
    for account_id, values in populated["secrets"].items():
        account = ExchangeConfig.objects.get(pk=account_id)
        if account.exchange == "kotak":
            assert (account.api_key, account.mobile_number, account.mpin, account.totp_secret) == values
        else:
            assert (account.api_key, account.api_secret, account.passphrase) == values
    for user_id, secret in populated["webhook_secrets"].items():
        assert type(populated["trader"]).objects.get(pk=user_id).webhook_secret == secret
    # The backup's own row was running when the dump was taken; it reads as finished.
    row = Backup.objects.get(pk=backup.pk)
    assert row.status == Backup.Status.SUCCEEDED
    assert (row.file_name, row.sha256) == (backup.file_name, backup.sha256)
    assert AuditLog.objects.count() == audit_rows_before + 1
    assert AuditLog.objects.filter(action="backup.restore").count() == 1
    assert maintenance.active() is None


@pytest.mark.django_db(transaction=True)
def test_archive_has_a_manifest_with_checksums_counts_migrations_and_key_ids_but_no_secret_files(
    populated, make_backup
):
    backup = make_backup()
    path = services.backup_path(backup)
    names = member_names(path)
    assert names[0] == "manifest.json"
    with tarfile.open(path, "r:") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert set(manifest["members"]) == set(names[1:])
    assert "files/ml-artifacts/verdict_classifier/model-1.joblib" in names
    assert any(name.startswith("files/user-logs/") for name in names)
    assert not any("encryption_keys" in name or "secret_key" in name for name in names)
    assert all(len(member["sha256"]) == 64 for member in manifest["members"].values())
    assert manifest["database"]["row_counts"]["brokers_exchangeconfig"] == ExchangeConfig.objects.count()
    assert "0001_initial" in manifest["database"]["migrations"]["accounts"]
    assert manifest["encryption_key_ids"] == [keyring().primary_id]
    assert manifest["backup_id"] == str(backup.pk)
    # The key material itself is nowhere in the archive.
    assert keyring().keys[keyring().primary_id].hex().encode() not in path.read_bytes()
    assert backup.manifest["member_count"] == len(names) - 1


@pytest.mark.django_db(transaction=True)
def test_backup_command_writes_and_verifies_an_archive_with_progress(backup_dirs):
    UserFactory()
    out, err = StringIO(), StringIO()
    call_command("backup", "--verify", stdout=out, stderr=err)
    backup = Backup.objects.get()
    assert backup.trigger == Backup.Trigger.CLI
    assert (backup.status, backup.progress, backup.step) == (Backup.Status.SUCCEEDED, 100, "Done")
    assert backup.verify_status == Backup.Verify.PASSED
    assert "Every checksum matched" in backup.verify_detail
    assert f"Backup written: {services.backup_path(backup)}" in out.getvalue()
    assert "Verified:" in out.getvalue()
    assert services.backup_path(backup).stat().st_mode & 0o077 == 0  # for the operator only


@pytest.mark.django_db(transaction=True)
def test_encrypted_backup_restores_with_its_key(backup_dirs, settings, make_backup):
    settings.BACKUP_ENCRYPTION_KEY = "k" * 43
    trader = UserFactory()
    backup = make_backup()
    assert backup.encrypted
    assert backup.file_name.endswith(".tar.enc")
    assert services.verify_backup(backup)
    call_command("flush", interactive=False, verbosity=0)
    services.restore_archive(services.backup_path(backup))
    assert type(trader).objects.get(pk=trader.pk).email == trader.email


@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_rows_are_written_matches_its_manifest(backup_dirs, make_backup):
    """The dump and the manifest's row counts come from one snapshot: rows written meanwhile are
    in neither, so the scratch restore's counts match exactly."""
    trader = UserFactory()
    stop, written = threading.Event(), []

    def write_signals() -> None:
        try:
            while not stop.is_set():
                written.append(SignalFactory(user=trader).pk)
        finally:
            connection.close()

    writer = threading.Thread(target=write_signals)
    writer.start()
    try:
        while len(written) < 5:
            time.sleep(0.01)
        backup = make_backup()
    finally:
        stop.set()
        writer.join()
    assert services.verify_backup(backup), backup.verify_detail
    assert 0 < backup.manifest["database"]["row_counts"]["trading_signal"] <= len(written)
