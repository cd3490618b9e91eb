"""Use cases of a user's data export: request one, run it (a worker), download it, sweep old ones."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.hooks import export_starting
from auditlog.services import record
from config.tasks import task_named

from .models import DataExport, ExportFormat, ExportStatus
from .writers import write_csv_zip, write_json

logger = logging.getLogger(__name__)

RUN_TASK = "accounts.export.tasks.run_export"
LINK_SALT = "accounts.export.download"
# A queued export nobody ran (its message was lost) is sent again after this long; a running one
# whose worker died is claimed again after STALE_RUNNING.
RESEND_QUEUED = timedelta(minutes=5)
STALE_RUNNING = timedelta(minutes=30)


class LinkInvalid(Exception):
    """The download token is not one we signed for this export."""


class LinkExpired(Exception):
    """The link was genuine but its time is up, or the file is gone."""


def export_dir() -> Path:
    return Path(settings.DATA_EXPORT_DIR)


def export_path(export: DataExport) -> Path:
    return export_dir() / export.file_name


def link_lifetime() -> timedelta:
    return timedelta(hours=settings.DATA_EXPORT_LINK_HOURS)


def _enqueue(export_id: str) -> None:
    transaction.on_commit(lambda: task_named(RUN_TASK).delay(export_id=export_id))


def export_request(*, user: Any, format: str, request: HttpRequest | None = None) -> tuple[DataExport, bool]:
    """Start an export of `user`'s data in `format`, or return the one of that format already
    queued or running (created=False). Audited; the work runs in a worker after commit."""
    if format not in ExportFormat.values:
        raise ValueError(f"unknown export format {format!r}")
    active = DataExport.objects.filter(owner=user, format=format, status__in=DataExport.ACTIVE)
    existing = active.first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            export = DataExport.objects.create(owner=user, format=format)
            record(
                action="data_export.requested",
                actor=user,
                owner=user,
                resource=export,
                changes={"format": format},
                request=request,
            )
            _enqueue(str(export.pk))
    except IntegrityError:
        # Two requests at once: the other one's export won the one-active-per-format constraint.
        return active.get(), False
    return export, True


def _claim(export_id: Any) -> DataExport | None:
    """The export, moved to running by this worker; None when it is done or another worker has
    it (a running one whose worker died is claimed again once STALE_RUNNING has passed)."""
    now = timezone.now()
    claimed = (
        DataExport.objects.filter(pk=export_id)
        .filter(
            Q(status=ExportStatus.QUEUED) | Q(status=ExportStatus.RUNNING, started_at__lt=now - STALE_RUNNING)
        )
        .update(status=ExportStatus.RUNNING, started_at=now, progress=0, step="")
    )
    return DataExport.objects.select_related("owner").filter(pk=export_id).first() if claimed else None


def _progress(export: DataExport, done: int, total: int, label: str) -> None:
    # The bar ends at 99 while writing: 100 means the file is there.
    percent = min(99, done * 100 // max(total, 1))
    DataExport.objects.filter(pk=export.pk).update(progress=percent, step=label)


def export_run(*, export_id: Any) -> None:
    """Write the export's file (a worker runs this): progress on the row as it goes; a failure
    leaves no partial file and a message the user can read."""
    export = _claim(export_id)
    if export is None:
        logger.info("data export %s: already done or being run, nothing to do", export_id)
        return
    file_name = f"{export.owner_id}/{export.pk}.{export.file_extension}"
    path = export_dir() / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    writer = write_csv_zip if export.format == ExportFormat.CSV else write_json
    try:
        export_starting.send(sender=DataExport, user=export.owner)
        writer(partial, export.owner, lambda done, total, label: _progress(export, done, total, label))
        os.replace(partial, path)
    except Exception:
        partial.unlink(missing_ok=True)
        logger.exception("data export %s failed", export.pk, extra={"user_id": export.owner_id})
        DataExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED,
            finished_at=timezone.now(),
            error="The export could not be written. Please try again; if it fails again, contact support.",
        )
        return
    finished = timezone.now()
    DataExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.SUCCEEDED,
        progress=100,
        step="",
        file_name=file_name,
        size=path.stat().st_size,
        finished_at=finished,
        expires_at=finished + link_lifetime(),
    )
    logger.info("data export %s written", export.pk, extra={"user_id": export.owner_id})


def download_token(export: DataExport) -> str:
    """A token for the export's download link: signed, bound to this export and its owner."""
    return signing.dumps({"export": str(export.pk), "owner": str(export.owner_id)}, salt=LINK_SALT)


def export_for_download(*, export_id: Any, token: str) -> DataExport:
    """The export a download link names, checked without a login: the token is the credential.
    LinkInvalid for a forged or foreign token, LinkExpired once its time is up or the file is gone."""
    try:
        payload = signing.loads(token, salt=LINK_SALT, max_age=link_lifetime().total_seconds())
    except signing.SignatureExpired as exc:
        raise LinkExpired from exc
    except signing.BadSignature as exc:
        raise LinkInvalid from exc
    if not isinstance(payload, dict) or payload.get("export") != str(export_id):
        raise LinkInvalid
    export = DataExport.objects.filter(pk=export_id, owner_id=payload.get("owner")).first()
    if export is None:
        raise LinkInvalid
    if (
        export.status != ExportStatus.SUCCEEDED
        or export.expires_at is None
        or export.expires_at <= timezone.now()
        or not export_path(export).is_file()
    ):
        raise LinkExpired
    return export


def exports_sweep() -> dict[str, int]:
    """Delete the files of exports past their link's time (status -> expired), and send again
    the exports whose message was lost or whose worker died. Safe to run twice at once."""
    now = timezone.now()
    expired = 0
    for export in DataExport.objects.filter(status=ExportStatus.SUCCEEDED, expires_at__lte=now):
        if export.file_name:
            export_path(export).unlink(missing_ok=True)
        expired += DataExport.objects.filter(pk=export.pk, status=ExportStatus.SUCCEEDED).update(
            status=ExportStatus.EXPIRED, file_name="", size=None
        )
    stuck = DataExport.objects.filter(
        Q(status=ExportStatus.QUEUED, created_at__lt=now - RESEND_QUEUED)
        | Q(status=ExportStatus.RUNNING, started_at__lt=now - STALE_RUNNING)
    ).values_list("pk", flat=True)
    resent = 0
    for export_id in stuck:
        task_named(RUN_TASK).delay(export_id=str(export_id))
        resent += 1
    return {"expired": expired, "resent": resent}
