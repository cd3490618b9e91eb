"""Delivering notifications to e-mail and Telegram on the workers: at most once per channel.

`deliveries_run(ids)` (the `deliver_many` task, NOTIFY_DRAIN_CHUNK ids a task) works in three
steps per message; the reads are shared by the whole chunk and the sent rows recorded together,
so a message costs one UPDATE, the bot's pacing and the provider's answer (a worker drains
hundreds a second; docs/benchmarks.md):

1. **Claim**: read the deliveries with their batches (the other pending deliveries of the same
   user, channel and batch key) and the users' preferences as they are now, in two queries per
   chunk; decide per
   row: `skipped` (channel off or not set up, type switched off, below the minimum level),
   `held` until the quiet hours end (unless critical and the user lets critical through), or
   sent. The rows to send are claimed by one conditional UPDATE (`pending` -> `sending`,
   attempts + 1, claimed_at = now): of two workers that read the same rows, only one takes each.
   A row that is not `pending` any more (sent, sending, held) means there is nothing to do.
2. **Send** one message for the claimed rows; no transaction is open and no lock is held while a
   provider answers.
3. **Finish**: `sent` (one UPDATE for the chunk's sent messages, at its end); or back to
   `pending` with `next_attempt_at` and a new task (Telegram's `retry_after` on a 429, which does
   not use up an attempt; 1, 2, 4 ... s on 5xx, timeouts and connection errors, until
   NOTIFY_MAX_ATTEMPTS, then `failed`); or `failed` at once on any other 4xx.

Why at most once, and what a worker killed mid-delivery does: the claim is committed before the
message leaves, so a second task for the same delivery (a duplicate message, the sweeper, a
redelivery after a crash) finds it `sending` or `sent` and stops. A worker killed after the claim
leaves the row `sending`; past NOTIFY_SENDING_LEASE_SECONDS the sweeper marks it `sent`, noting in
`last_error` that the outcome was not seen: the provider almost certainly has it (the kill fell
while it was answering), and it is never sent a second time. A worker killed before its claim
leaves the row `pending`: the task's message is redelivered (late acks) or the sweeper sends a
new one, and it goes out once. The price is a message lost if a worker dies in the microseconds
between its claim and writing the request; the alternative (sending while a transaction holds
the row, marking it sent in that transaction) sends a copy whenever a worker dies while the
provider answers, which the issue rules out ("never sent twice on one channel").
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import User
from config.tasks import MAX_RETRY_BACKOFF
from notifications import types as catalogue
from notifications.models import DeliveryState, Notification, NotificationDelivery, NotificationPreference

from . import email, telegram
from .notify import deliveries_enqueue
from .outcome import Failed, Outcome, Retry, Sent
from .preferences import snapshot_of
from .quiet import quiet_hours_end
from .render import render

logger = logging.getLogger(__name__)

RELEASED = "released"  # the batch key's tail for deliveries held through quiet hours
# Types the user asked for explicitly: no type switch, minimum level or quiet hours applies.
FORCED_TYPES = frozenset({catalogue.TEST, catalogue.DAILY_SUMMARY})
INTERRUPTED = (
    "The worker stopped while the provider was answering; taken as sent and never sent again "
    "(the provider almost certainly has it)."
)


@dataclass
class Claim:
    channel: str
    primary_id: int
    deliveries: list[NotificationDelivery]
    address: str
    attempts: int
    released: bool

    @property
    def ids(self) -> list[int]:
        return [d.pk for d in self.deliveries]

    @property
    def notifications(self) -> list[Notification]:
        return sorted((d.notification for d in self.deliveries), key=lambda n: (n.created_at, str(n.pk)))


def delivery_run(*, delivery_id: int) -> None:
    """Claim, send and record one delivery (with its batch); safe to run any number of times."""
    deliveries_run([delivery_id])


def deliveries_run(delivery_ids: Iterable[int]) -> int:
    """Claim, send and record many deliveries, each with its batch, one message at a time: the
    rows of them all are read in two queries, each message is claimed on its own just before it
    leaves (so a worker killed mid-chunk loses none of the rest), and the sent ones are recorded
    together. Returns how many messages were sent. Safe to run any number of times."""
    sent: list[Claim] = []
    try:
        for unit in _units(delivery_ids):
            claim = _claim(unit)
            if claim is None:
                continue
            outcome = _send(claim)
            if isinstance(outcome, Sent):
                sent.append(claim)
            else:
                delivery_finish(claim=claim, outcome=outcome)
    finally:
        # Also when a later message raised: what left is recorded as sent now, not at the lease.
        if sent:
            deliveries_finish_sent(sent)
    return len(sent)


@dataclass
class _Unit:
    """A delivery and its batch (the pending rows with its channel and batch key), as read."""

    primary_id: int
    rows: list[NotificationDelivery]


def _units(delivery_ids: Iterable[int]) -> list[_Unit]:
    """The pending rows of these deliveries and of their batches, grouped per message."""
    ids = list(dict.fromkeys(delivery_ids))
    heads = list(
        NotificationDelivery.objects.filter(pk__in=ids, state=DeliveryState.PENDING).values_list(
            "pk", "channel", "batch_key"
        )
    )
    single = [pk for pk, _channel, key in heads if not key]
    batches = {(channel, key): pk for pk, channel, key in heads if key}
    # The user's preferences as they are now (not notify()'s snapshot), in the same queries.
    pending = NotificationDelivery.objects.select_related(
        "notification__user__notification_preference"
    ).filter(state=DeliveryState.PENDING)
    # Two indexed reads (by primary key; by batch key, a partial index), not one with an OR across
    # both: that one scans the whole table, which grows by a row per notification sent.
    rows = list(pending.filter(pk__in=single)) if single else []
    if batches:
        keys = {key for _channel, key in batches}
        rows += [
            r
            for r in pending.filter(batch_key__in=keys).exclude(batch_key="")
            if (r.channel, r.batch_key) in batches
        ]
    grouped: dict[tuple[str, str | int], list[NotificationDelivery]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: r.pk):
        grouped[(row.channel, row.batch_key or row.pk)].append(row)
    units = [
        _Unit(primary_id=batches.get((channel, key), key) if isinstance(key, str) else key, rows=unit_rows)
        for (channel, key), unit_rows in grouped.items()
    ]
    return sorted(units, key=lambda u: u.primary_id)


def _claim(unit: _Unit, *, now: datetime | None = None) -> Claim | None:
    now = now or timezone.now()
    rows, delivery_id = unit.rows, unit.primary_id
    first = next((row for row in rows if row.pk == delivery_id), rows[0])
    channel, batch_key = first.channel, first.batch_key
    prefs, user_email = _preferences(first.notification.user)
    snapshot = snapshot_of(prefs)
    problem = channel_problem(channel, prefs)
    quiet_end = quiet_hours_end(
        now, start=prefs.quiet_hours_start, end=prefs.quiet_hours_end, tz=prefs.timezone
    )
    skipped: dict[str, list[int]] = defaultdict(list)
    held: list[int] = []
    sending: list[NotificationDelivery] = []
    for row in rows:
        n = row.notification
        forced = n.type in FORCED_TYPES
        if problem is not None:
            skipped[problem[1]].append(row.pk)
        elif not forced and not snapshot.wants(channel, n.type, n.level):
            skipped[f"{catalogue.label_for(n.type)} at {n.level} is switched off for this channel"].append(
                row.pk
            )
        elif (
            not forced
            and quiet_end is not None
            and not (n.level == catalogue.CRITICAL and prefs.critical_through_quiet)
        ):
            held.append(row.pk)
        else:
            sending.append(row)
    pending = NotificationDelivery.objects.filter(state=DeliveryState.PENDING)
    for reason, ids in skipped.items():
        pending.filter(pk__in=ids).update(
            state=DeliveryState.SKIPPED, last_error=reason, next_attempt_at=None
        )
    if held:
        pending.filter(pk__in=held).update(state=DeliveryState.HELD, next_attempt_at=quiet_end)
    if not sending:
        return None
    # The claim: a conditional UPDATE, so of two workers reading the same rows only one takes each.
    claimed = pending.filter(pk__in=[r.pk for r in sending]).update(
        state=DeliveryState.SENDING, attempts=F("attempts") + 1, claimed_at=now
    )
    if claimed < len(sending):  # another worker took some of them first: keep what is ours
        ours = set(
            NotificationDelivery.objects.filter(
                pk__in=[r.pk for r in sending], state=DeliveryState.SENDING, claimed_at=now
            ).values_list("pk", flat=True)
        )
        sending = [r for r in sending if r.pk in ours]
        if not sending:
            return None
    address = (
        (prefs.email_address or user_email) if channel == catalogue.EMAIL else str(prefs.telegram_chat_id)
    )
    return Claim(
        channel=channel,
        primary_id=delivery_id if any(r.pk == delivery_id for r in sending) else sending[0].pk,
        deliveries=sending,
        address=address,
        attempts=max(r.attempts for r in sending) + 1,
        released=batch_key.endswith(f":{RELEASED}"),
    )


def channel_problem(channel: str, prefs: NotificationPreference) -> tuple[str, str] | None:
    """Why `channel` cannot deliver for this user now, as (code, sentence), or None when it can."""
    if channel == catalogue.EMAIL:
        return None if prefs.email_enabled else ("email_disabled", "E-mail notifications are switched off.")
    if channel == catalogue.TELEGRAM:
        if not telegram.configured():
            return ("telegram_not_configured", "Telegram is not configured on this server.")
        if prefs.telegram_chat_id is None:
            return ("telegram_not_linked", "No Telegram chat is linked yet: use Link Telegram first.")
        return (
            None
            if prefs.telegram_enabled
            else ("telegram_disabled", "Telegram notifications are switched off.")
        )
    return ("not_outbound", f"{channel} is not delivered by the workers.")


def _preferences(user: User) -> tuple[NotificationPreference, str]:
    """The user's preferences (defaults when none are stored) and the account's e-mail."""
    try:
        prefs = user.notification_preference
    except NotificationPreference.DoesNotExist:
        prefs = NotificationPreference(user=user)
    return prefs, user.email


def _send(claim: Claim) -> Outcome:
    """Step 2: one message for the claimed rows."""
    try:
        rendered = render(claim.notifications, released=claim.released)
        if claim.channel == catalogue.EMAIL:
            key = f"{claim.notifications[0].pk}.{len(claim.deliveries)}.email"
            return email.send_email(to=claim.address, subject=rendered.subject, body=rendered.body, key=key)
        return telegram.send_message(chat_id=int(claim.address), text=rendered.as_chat_text())
    except Exception as exc:
        # A bug or a misconfiguration before the message left: retried like a 5xx, then failed.
        logger.exception("could not send notification delivery %s", claim.primary_id)
        return Retry(f"{type(exc).__name__}: {exc}"[:500])


def backoff_seconds(attempts: int) -> float:
    """The wait after the `attempts`-th failed try: 1, 2, 4, 8 ... s, at most MAX_RETRY_BACKOFF."""
    return float(min(2 ** max(attempts - 1, 0), MAX_RETRY_BACKOFF))


def delivery_finish(*, claim: Claim, outcome: Outcome, now: datetime | None = None) -> None:
    """Step 3: record the outcome on the claimed rows (those still `sending`). One UPDATE, in
    autocommit: a retry's task is sent once it has committed."""
    now = now or timezone.now()
    rows = NotificationDelivery.objects.filter(pk__in=claim.ids, state=DeliveryState.SENDING)
    if isinstance(outcome, Sent):
        deliveries_finish_sent([claim], now=now)
    elif isinstance(outcome, Failed):
        rows.update(state=DeliveryState.FAILED, last_error=outcome.error[:1000], next_attempt_at=None)
    elif outcome.after is None and claim.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        rows.update(
            state=DeliveryState.FAILED,
            last_error=f"gave up after {claim.attempts} attempts: {outcome.error}"[:1000],
            next_attempt_at=None,
        )
    else:
        _reschedule(claim, outcome, rows=rows, now=now)


def deliveries_finish_sent(claims: list[Claim], *, now: datetime | None = None) -> None:
    """Step 3 for messages that left: one UPDATE for them all."""
    ids = [pk for claim in claims for pk in claim.ids]
    NotificationDelivery.objects.filter(pk__in=ids, state=DeliveryState.SENDING).update(
        state=DeliveryState.SENT, sent_at=now or timezone.now(), last_error="", next_attempt_at=None
    )


def _reschedule(claim: Claim, outcome: Retry, *, rows: Any, now: datetime) -> None:
    rate_limited = outcome.after is not None
    wait = float(outcome.after) if outcome.after is not None else backoff_seconds(claim.attempts)
    rows.update(
        state=DeliveryState.PENDING,
        last_error=outcome.error[:1000],
        next_attempt_at=now + timedelta(seconds=wait),
        # Being told to wait is not a failed try: a 429 gives its attempt back.
        attempts=Greatest(F("attempts") - 1, 0) if rate_limited else F("attempts"),
    )
    if wait <= MAX_RETRY_BACKOFF:
        transaction.on_commit(lambda: deliveries_enqueue([claim.primary_id], countdown=wait), robust=True)
    # else: a countdown that long would sit in a worker's memory past the broker's patience; the
    # sweeper sends the task once next_attempt_at has passed.


# --- the sweepers (beat) ----------------------------------------------------------------------


def deliveries_release_held(*, now: datetime | None = None, limit: int = 2000) -> int:
    """Deliveries held for quiet hours that have ended go out: one message per user and channel,
    listing what was held. Returns how many were released."""
    now = now or timezone.now()
    due = list(
        NotificationDelivery.objects.filter(state=DeliveryState.HELD, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "channel", "notification__user_id")[:limit]
    )
    by_batch: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pk, channel, user_id in due:
        by_batch[(f"{user_id.hex}:{RELEASED}", channel)].append(pk)
    released = 0
    heads: list[int] = []
    with transaction.atomic():
        for (batch_key, _channel), ids in by_batch.items():
            count = NotificationDelivery.objects.filter(pk__in=ids, state=DeliveryState.HELD).update(
                state=DeliveryState.PENDING, batch_key=batch_key, next_attempt_at=now
            )
            if count:
                released += count
                heads.append(min(ids))
        if heads:
            transaction.on_commit(lambda: deliveries_enqueue(heads), robust=True)
    return released


def deliveries_sweep(*, now: datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """Finish what lost its worker or its message: pending deliveries long past due are sent
    again (the claim makes a copy harmless); deliveries claimed longer than the lease ago are
    taken as sent (see the module docstring)."""
    now = now or timezone.now()
    late = now - timedelta(seconds=settings.NOTIFY_SWEEP_AFTER_SECONDS)
    lost = list(
        NotificationDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=late)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "batch_key")[:limit]
    )
    heads: dict[str, int] = {}
    for pk, batch_key in lost:
        heads.setdefault(batch_key or f"#{pk}", pk)
    if heads:
        deliveries_enqueue(heads.values())
    lease = now - timedelta(seconds=settings.NOTIFY_SENDING_LEASE_SECONDS)
    interrupted = NotificationDelivery.objects.filter(
        state=DeliveryState.SENDING, claimed_at__lte=lease
    ).update(state=DeliveryState.SENT, sent_at=F("claimed_at"), last_error=INTERRUPTED, next_attempt_at=None)
    if interrupted:
        logger.warning("%d notification deliveries lost their worker mid-send; taken as sent", interrupted)
    return {"resent": len(heads), "interrupted": interrupted}


def deliveries_retry(*, delivery_ids: list[int]) -> int:
    """Give failed deliveries a fresh set of attempts (an admin fixed the SMTP server or the bot)."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            NotificationDelivery.objects.filter(pk__in=delivery_ids, state=DeliveryState.FAILED).values_list(
                "pk", flat=True
            )
        )
        NotificationDelivery.objects.filter(pk__in=ids, state=DeliveryState.FAILED).update(
            state=DeliveryState.PENDING, attempts=0, next_attempt_at=now
        )
        if ids:
            transaction.on_commit(lambda: deliveries_enqueue(ids), robust=True)
    return len(ids)
