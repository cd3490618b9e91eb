"""The daily summary: at the time a user chose (their time zone), one e-mail and/or Telegram
message counting and listing the last 24 hours' notifications. Sent at most once a local day,
however often beat runs; skipped on a day with nothing to report."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notifications import types as catalogue
from notifications.models import Notification, NotificationPreference

from .delivery import channel_problem
from .notify import deliveries_create, deliveries_enqueue
from .quiet import zone_for

logger = logging.getLogger(__name__)

LISTED = 15


def summary_due(now: datetime, *, at: time | None, tz: str, last_sent_on: date | None) -> date | None:
    """The local date whose summary is due at `now`, or None (pure): due once the local clock has
    passed `at`, unless that day's summary was sent already."""
    if at is None:
        return None
    local = now.astimezone(zone_for(tz))
    if local.time().replace(tzinfo=None) < at:
        return None
    if last_sent_on is not None and last_sent_on >= local.date():
        return None
    return local.date()


def daily_summaries_send(*, now: datetime | None = None) -> int:
    """Send every summary that is due (the beat task, every minute). Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    candidates = NotificationPreference.objects.filter(
        daily_summary_time__isnull=False, user__is_active=True
    ).select_related("user")
    for prefs in candidates.iterator(chunk_size=500):
        try:
            day = summary_due(
                now, at=prefs.daily_summary_time, tz=prefs.timezone, last_sent_on=prefs.last_summary_on
            )
        except (KeyError, ValueError, OSError):
            logger.warning("user %s has an unknown time zone %r; no summary", prefs.pk, prefs.timezone)
            continue
        if day is not None and daily_summary_send(prefs=prefs, day=day, now=now) is not None:
            sent += 1
    return sent


def daily_summary_send(*, prefs: NotificationPreference, day: date, now: datetime) -> Notification | None:
    """Claim the day (so two beat runs never send it twice), then queue the summary."""
    with transaction.atomic():
        claimed = (
            NotificationPreference.objects.filter(pk=prefs.pk)
            .filter(Q(last_summary_on__isnull=True) | Q(last_summary_on__lt=day))
            .update(last_summary_on=day)
        )
        channels = [c for c in catalogue.OUTBOUND_CHANNELS if channel_problem(c, prefs) is None]
        if not claimed or not channels:
            return None
        recent = Notification.objects.filter(
            user_id=prefs.pk, created_at__gte=now - timedelta(days=1), created_at__lt=now
        ).exclude(type__in=list(catalogue.INTERNAL_LABELS))
        rows = list(recent.order_by("-created_at").values_list("type", "level", "title")[:1000])
        if not rows:
            return None
        total = recent.count() if len(rows) == 1000 else len(rows)
        notification = Notification.objects.create(
            user_id=prefs.pk,
            type=catalogue.DAILY_SUMMARY,
            level=catalogue.INFO,
            title=f"Daily summary for {day.isoformat()}: {total} notification{'s' if total != 1 else ''}",
            message=summary_text(rows, total=total),
            link="/notifications",
            read_at=now,  # a digest of what the bell already showed
        )
        ids = [d.pk for d in deliveries_create(notification, channels)]
        transaction.on_commit(lambda: deliveries_enqueue(ids), robust=True)
    return notification


def summary_text(rows: list[tuple[str, str, str]], *, total: int) -> str:
    """Counts by level and by type, then the latest titles (rows newest first)."""
    levels = Counter(level for _, level, _ in rows)
    kinds = Counter(kind for kind, _, _ in rows)
    lines = [", ".join(f"{levels[lv]} {lv}" for lv in reversed(catalogue.LEVELS) if levels[lv])]
    lines += [f"{catalogue.label_for(kind)}: {count}" for kind, count in kinds.most_common()]
    lines += ["", "Latest:"] + [f"- {title}" for _, _, title in rows[:LISTED]]
    if total > LISTED:
        lines.append(f"… and {total - LISTED} more")
    return "\n".join(lines)
