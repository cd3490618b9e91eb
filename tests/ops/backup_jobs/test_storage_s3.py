"""Off-site copies: upload, download and delete against a real S3-compatible server (moto's, on
127.0.0.1), and retention deleting the remote copy with the local one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from ops.backups import schedule, storage
from ops.backups.models import Backup
from tests.ops.backup_jobs import fakes

BUCKET = "tradefleet-backups"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(settings: Any, s3_endpoint: str, tmp_path: Path) -> Any:
    settings.BACKUP_DIR = str(tmp_path / "backups")
    settings.BACKUP_S3_BUCKET = BUCKET
    settings.BACKUP_S3_PREFIX = "nightly/"
    settings.BACKUP_S3_ENDPOINT_URL = s3_endpoint
    settings.BACKUP_S3_REGION = "us-east-1"
    settings.BACKUP_S3_ACCESS_KEY_ID = "test-access"
    settings.BACKUP_S3_SECRET_ACCESS_KEY = "test-secret"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test-access",
        aws_secret_access_key="test-secret",
    )
    client.create_bucket(Bucket=BUCKET)
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client: Any) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_storage_is_off_without_a_bucket(settings: Any) -> None:
    settings.BACKUP_S3_BUCKET = ""
    assert not storage.enabled()


def test_an_archive_goes_up_and_comes_back_byte_for_byte(s3: Any, tmp_path: Path) -> None:
    archive = tmp_path / "tradefleet-20261206.tar"
    archive.write_bytes(os.urandom(9 * 1024 * 1024))  # past boto3's multipart threshold (8 MiB)
    assert storage.enabled()
    key = storage.upload(archive, archive.name)
    assert key == "nightly/tradefleet-20261206.tar"
    assert _keys(s3) == [key]
    storage.download(key, tmp_path / "back.tar")
    assert (tmp_path / "back.tar").read_bytes() == archive.read_bytes()
    assert b"".join(storage.stream(key)) == archive.read_bytes()
    storage.delete(key)
    storage.delete(key)  # a second delete of the same key is harmless
    assert _keys(s3) == []


def test_retention_deletes_the_remote_copy_too(s3: Any, db: None) -> None:
    backup = fakes.quick_backup(Backup.objects.create(trigger=Backup.Trigger.MANUAL))
    backup.remote_key = storage.upload(fakes.file_of(backup), backup.file_name)
    backup.status = Backup.Status.FAILED  # a failed backup's files are always pruned
    backup.save()
    schedule.prune()
    backup.refresh_from_db()
    assert backup.pruned_at is not None
    assert _keys(s3) == []
    assert not fakes.file_of(backup).exists()


def test_a_real_backup_is_encrypted_uploaded_verified_and_downloadable(
    s3: Any,
    settings: Any,
    client_for: Any,
    admin_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Back up now through the API with the real archive code: encrypted, in the bucket,
    verified by a scratch restore, and the download is the encrypted file."""
    from config.celery import app as celery_app
    from ops.backups.encryption import is_encrypted

    settings.BACKUP_ENCRYPTION_KEY = "e" * 44
    admin = client_for(admin_user)
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            started = admin.post("/api/v1/admin/backups")
    finally:
        celery_app.conf.task_always_eager = False
    assert started.status_code == 202
    row = admin.get(f"/api/v1/admin/backups/{started.json()['id']}").json()
    assert (row["status"], row["progress"], row["encrypted"], row["uploaded"]) == (
        "succeeded",
        100,
        True,
        True,
    ), row
    assert row["verify_status"] == "passed", row["verify_detail"]
    backup = Backup.objects.get(pk=row["id"])
    assert _keys(s3) == [backup.remote_key]
    download = admin.get(row["download_url"])
    body = b"".join(download.streaming_content)
    assert len(body) == row["size_bytes"]
    assert is_encrypted(fakes.file_of(backup))
