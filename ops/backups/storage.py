"""Off-site copies of backup archives in S3-compatible storage (AWS S3, MinIO, Backblaze B2...).

On when BACKUP_S3_BUCKET is set. Keys are BACKUP_S3_PREFIX + the archive's file name. boto3
streams and splits large files into multipart uploads on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings


def enabled() -> bool:
    return bool(settings.BACKUP_S3_BUCKET)


def _client() -> Any:
    import boto3  # imported here so the app runs without boto3 when S3 is off

    return boto3.client(
        "s3",
        endpoint_url=settings.BACKUP_S3_ENDPOINT_URL or None,
        region_name=settings.BACKUP_S3_REGION or None,
        aws_access_key_id=settings.BACKUP_S3_ACCESS_KEY_ID or None,
        aws_secret_access_key=settings.BACKUP_S3_SECRET_ACCESS_KEY or None,
    )


def key_for(name: str) -> str:
    return f"{settings.BACKUP_S3_PREFIX}{name}"


def upload(path: Path, name: str) -> str:
    key = key_for(name)
    _client().upload_file(str(path), settings.BACKUP_S3_BUCKET, key)
    return key


def download(key: str, dst: Path) -> None:
    try:
        _client().download_file(settings.BACKUP_S3_BUCKET, key, str(dst))
    except BaseException:
        dst.unlink(missing_ok=True)
        raise


def delete(key: str) -> None:
    # S3 answers a delete of a missing key with success, so pruning twice is harmless.
    _client().delete_object(Bucket=settings.BACKUP_S3_BUCKET, Key=key)


def stream(key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
    """The object's bytes in chunks (a download of an archive no longer on local disk)."""
    body = _client().get_object(Bucket=settings.BACKUP_S3_BUCKET, Key=key)["Body"]
    try:
        yield from body.iter_chunks(chunk_size)
    finally:
        body.close()
