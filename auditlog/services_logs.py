"""Use cases of the service and error logs: capture, resolve, export, delete, retention, and the
admins' error-spike check."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import platform
import socket
import traceback
from datetime import UTC, datetime, timedelta
from typing import Any

import django
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Count, F, QuerySet
from django.utils import timezone

from .log_handler import logs_root, redact_text, redact_value
from .models import AuditLog
from .models_logs import ErrorLog, ServiceLog
from .services import record

logger = logging.getLogger("tradefleet.auditlog")

# An export holds at most this many rows (the newest); the response says when it was cut.
EXPORT_MAX_ROWS = 50_000
# `DELETE logs/system/{days_old}` accepts up to 100 years (beyond that the date is out of range).
MAX_DAYS_OLD = 36_500
EXPORT_FIELDS = ("id", "timestamp", "user_id", "level", "category", "module", "message", "context")
# Spreadsheets run cells starting with these as formulas; log messages carry outside text.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _days(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def config_snapshot() -> dict[str, Any]:
    """What was running when it failed: versions and switches, never a secret or a URL."""
    return {
        "debug": settings.DEBUG,
        "mode": getattr(settings, "MODE", ""),
        "embedded": getattr(settings, "EMBEDDED", None),
        "log_level": getattr(settings, "LOG_LEVEL", ""),
        "database": connection.vendor,
        "celery_eager": getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False),
        "time_zone": settings.TIME_ZONE,
        "python": platform.python_version(),
        "django": django.get_version(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }


def capture_error(
    exc: BaseException, *, context: dict[str, Any] | None = None, user: Any = None, client: str | None = None
) -> ErrorLog | None:
    """Store `exc` with its (redacted) traceback, the caller's context and a configuration
    snapshot. Never raises: it runs while something else is already failing.

    Anyone who can make a request fail could otherwise fill the table, a row per request. So the
    same cause (`error_cause`) again within ERROR_LOG_MERGE_SECONDS of its last time adds to the
    count of its unresolved row; a cause written more than ERROR_LOG_WRITES_PER_CAUSE times in a
    minute is counted in the cache and added with its next write; and a `client` (a request's IP)
    past ERROR_LOG_CAPTURES_PER_CLIENT captures in a minute is not captured. Returns the row, or
    None when nothing was written."""
    try:
        if client is not None and _hits(f"errorlog:client:{client}") > settings.ERROR_LOG_CAPTURES_PER_CLIENT:
            return None
        user = user if getattr(user, "is_authenticated", False) else None
        error_type = f"{type(exc).__module__}.{type(exc).__qualname__}"[:200]
        cause = error_cause(exc, error_type=error_type, context=context, user=user)
        if _hits(f"errorlog:cause:{cause}") > settings.ERROR_LOG_WRITES_PER_CAUSE:
            _hits(f"errorlog:later:{cause}", window=settings.ERROR_LOG_MERGE_SECONDS)
            return None
        return _error_store(exc, error_type=error_type, cause=cause, context=context, user=user)
    except Exception:
        logger.exception("could not store an error log entry")
        return None


def error_cause(exc: BaseException, *, error_type: str, context: dict[str, Any] | None, user: Any) -> str:
    """What makes two failures the same: exception type, the line that raised it, what ran (task,
    or the request's route: not its path, which carries ids) and whose it was."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}:{frames[-1].name}" if frames else ""
    context = context or {}
    ran = context.get("task") or f"{context.get('method', '')} {context.get('route', '')}"
    whose = str(getattr(user, "pk", ""))
    key = "|".join((error_type, where, str(context.get("source", "")), str(ran), whose))
    return hashlib.sha256(key.encode("utf-8", "backslashreplace")).hexdigest()[:32]


def _error_store(
    exc: BaseException, *, error_type: str, cause: str, context: dict[str, Any] | None, user: Any
) -> ErrorLog:
    now = timezone.now()
    later = _take(f"errorlog:later:{cause}")
    with transaction.atomic():
        row = (
            ErrorLog.objects.select_for_update()
            .filter(cause=cause, user=user, resolved=False)
            .filter(last_seen_at__gte=now - timedelta(seconds=settings.ERROR_LOG_MERGE_SECONDS))
            .order_by("-last_seen_at")
            .first()
        )
        if row is not None:
            ErrorLog.objects.filter(pk=row.pk).update(count=F("count") + 1 + later, last_seen_at=now)
            row.count, row.last_seen_at = row.count + 1 + later, now
            return row
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return ErrorLog.objects.create(
            user=user,
            error_type=error_type,
            message=redact_text(str(exc))[:10_000],
            traceback=redact_text(tb)[:100_000],
            context={**redact_value(context or {}), "config": config_snapshot()},
            cause=cause,
            count=1 + later,
            created_at=now,
            last_seen_at=now,
        )


def _hits(key: str, *, window: int = 60) -> int:
    """One more hit on `key` in its window; the hits so far. 0 when the cache fails: the limits
    must not cost an error its row when Redis is the thing that is down."""
    try:
        cache.add(key, 0, window)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window)
            return 1
    except Exception:
        logger.warning("error log limits: the cache is unavailable", exc_info=True)
        return 0


def _take(key: str) -> int:
    """The count held under `key`, taken (the key goes down by as much); 0 when the cache fails."""
    try:
        held = int(cache.get(key) or 0)
        if held:
            cache.decr(key, held)
        return held
    except Exception:
        logger.warning("error log limits: the cache is unavailable", exc_info=True)
        return 0


def error_resolve(*, error: ErrorLog, by: Any, notes: str = "") -> ErrorLog:
    if error.resolved:
        raise ValidationError({"non_field_errors": ["This error is already resolved."]})
    with transaction.atomic():
        error.resolved = True
        error.resolved_at = timezone.now()
        error.resolved_by = by
        error.resolution_notes = notes
        error.save(update_fields=["resolved", "resolved_at", "resolved_by", "resolution_notes"])
        record(
            action="error_log.resolve", actor=by, owner=error.user, resource=error, changes={"notes": notes}
        )
    return error


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def logs_export(*, queryset: QuerySet[ServiceLog], fmt: str) -> tuple[bytes, bool]:
    """The entries as CSV or JSON bytes, newest first, at most EXPORT_MAX_ROWS; and whether the
    export was cut at that cap."""
    if fmt not in ("csv", "json"):
        raise ValidationError({"format": ["Use csv or json."]})
    rows = list(queryset.order_by("-timestamp", "-id").values(*EXPORT_FIELDS)[: EXPORT_MAX_ROWS + 1])
    truncated = len(rows) > EXPORT_MAX_ROWS
    rows = rows[:EXPORT_MAX_ROWS]
    if fmt == "json":
        return json.dumps(rows, cls=DjangoJSONEncoder).encode(), truncated
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_FIELDS)
    for row in rows:
        row["context"] = json.dumps(row["context"], cls=DjangoJSONEncoder)
        row["timestamp"] = row["timestamp"].isoformat()
        writer.writerow([_cell(row[name]) for name in EXPORT_FIELDS])
    return out.getvalue().encode(), truncated


def service_logs_delete_older_than(*, days: int, by: Any = None) -> int:
    """Delete every user's and the system's service log entries older than `days` days."""
    if not 1 <= days <= MAX_DAYS_OLD:
        raise ValidationError({"days_old": [f"Must be between 1 and {MAX_DAYS_OLD}."]})
    cutoff = timezone.now() - timedelta(days=days)
    with transaction.atomic():
        deleted, _ = ServiceLog.objects.filter(timestamp__lt=cutoff).delete()
        if by is not None:
            record(action="logs.delete", actor=by, changes={"days_old": days, "deleted": deleted})
    _delete_old_files(days=days)
    return deleted


def _delete_old_files(*, days: int) -> int:
    """Remove per-user files whose day is more than `days` days ago (names carry the UTC day)."""
    root = logs_root()
    if not root.exists():
        return 0
    oldest_kept = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y%m%d")
    removed = 0
    for path in root.glob("user_*/service_*.log"):
        day = path.stem.removeprefix("service_")
        if day.isdigit() and len(day) == 8 and day < oldest_kept:
            try:
                path.unlink()
                removed += 1
            except OSError:
                logger.warning("could not delete old log file %s", path.name)
    return removed


def logs_retention() -> dict[str, int]:
    """The daily clean-up (02:00 UTC): service logs and their per-user files after
    SERVICE_LOG_RETENTION_DAYS (30), audit entries after AUDIT_LOG_RETENTION_DAYS (90), resolved
    errors after ERROR_LOG_RETENTION_DAYS (90, counted from resolution); unresolved errors are
    kept until someone resolves them. The trading service's task history follows
    SERVICE_LOG_RETENTION_DAYS in a beat entry of its own (trading/service/tasks.py)."""
    now = timezone.now()
    service_days = _days("SERVICE_LOG_RETENTION_DAYS", 30)
    audit_days = _days("AUDIT_LOG_RETENTION_DAYS", 90)
    error_days = _days("ERROR_LOG_RETENTION_DAYS", 90)
    service, _ = ServiceLog.objects.filter(timestamp__lt=now - timedelta(days=service_days)).delete()
    audit, _ = AuditLog.objects.filter(created_at__lt=now - timedelta(days=audit_days)).delete()
    errors, _ = ErrorLog.objects.filter(
        resolved=True, resolved_at__lt=now - timedelta(days=error_days)
    ).delete()
    files = _delete_old_files(days=service_days)
    counts = {
        "service_logs": service,
        "audit_logs": audit,
        "error_logs": errors,
        "files": files,
    }
    logger.info("logs retention: %s", counts, extra={"category": "SYSTEM", **counts})
    return counts


# --- error spikes ---------------------------------------------------------------------------------
ERROR_SPIKE_LEVELS = ("ERROR", "CRITICAL")
ERROR_SPIKE_MODULES = 3  # the loudest loggers named in the message


def error_spike_check(*, now: datetime | None = None) -> int | None:
    """Every minute (beat): the ERROR and CRITICAL service-log rows of the last
    ERROR_SPIKE_WINDOW_MINUTES, every user's and the system's. At ERROR_SPIKE_THRESHOLD or more
    the admins are told (`error_spike`), at most once per window (the cache holds the once-only).
    Returns the count when it told them, else None."""
    # Imported here: notifications imports auditlog (its audit records), and this module loads early.
    from notifications.services.notify import notify_admins

    now = now or timezone.now()
    minutes = max(1, int(settings.ERROR_SPIKE_WINDOW_MINUTES))
    threshold = max(1, int(settings.ERROR_SPIKE_THRESHOLD))
    recent = ServiceLog.objects.filter(
        level__in=ERROR_SPIKE_LEVELS, timestamp__gt=now - timedelta(minutes=minutes), timestamp__lte=now
    )
    count = recent.count()
    if count < threshold or not cache.add("notify:error-spike", 1, minutes * 60):
        return None
    loudest = list(
        recent.values("module").annotate(n=Count("id")).order_by("-n", "module")[:ERROR_SPIKE_MODULES]
    )
    named = ", ".join(f"{row['module'] or 'unnamed'} ({row['n']})" for row in loudest)
    with transaction.atomic():
        notify_admins(
            "error_spike",
            title=f"Error spike: {count} errors in {minutes} min",
            message=(
                f"{count} ERROR or CRITICAL log lines in the last {minutes} minutes "
                f"(the alarm is at {threshold}). Loudest: {named}."
            ),
            link="/logs?tab=errors",
            data={"count": count, "window_minutes": minutes, "threshold": threshold, "modules": loudest},
        )
    # WARNING, not ERROR: this line must not count towards the next spike.
    logger.warning(
        "error spike: %d errors in %d min; admins told", count, minutes, extra={"category": "SYSTEM"}
    )
    return count
