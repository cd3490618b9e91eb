"""Importing the old single-user NSE service's files (docs/user-guide/legacy-import.md).

    legacy_import_create    a dry run: read, check, map and count; stores the batch and nothing else
    legacy_import_apply     writes the batch's rows in one transaction, each one remembered
    legacy_import_rollback  deletes exactly those rows

Both changes are audited. The files' records travel in the batch's payload, so the apply needs
no second upload and reads exactly what the dry run showed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.apps import apps
from django.contrib.admin.utils import NestedObjects
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.http import HttpRequest
from django.utils import timezone

from auditlog.services import record
from brokers.models import ExchangeConfig
from trading.equities.models import EquitiesStrategy, LegacyImport, LegacyImportStatus

from . import formats as f
from . import writers
from .fields import Problem
from .planning import Plan, make_plan

NO_ACCOUNT = "Choose the account the trades belong to: pass one, or set the NSE strategy's account first."
# Children before parents: the order a rollback deletes in.
DELETE_ORDER = (
    "trading.fill",
    "trading.strategyposition",
    "trading.dcaorder",
    "trading.pyramid",
    "trading.positiongroup",
    "trading.recommendation",
    "brokers.paperequitytrade",
    "brokers.paperequityholding",
    "brokers.paperequityorder",
)


class LegacyImportConflict(Exception):
    """The batch is not in a state that allows this (or its problems block it)."""

    def __init__(self, message: str, code: str = "conflict") -> None:
        super().__init__(message)
        self.message, self.code = message, code


def resolve_account(*, user: Any, account: Any = None) -> ExchangeConfig | None:
    """The account the trades go to: the one given (the trader's, an equities broker), else the
    NSE strategy's, else None."""
    from brokers.adapters.registry import asset_class_of

    if account not in (None, ""):
        if isinstance(account, ExchangeConfig):
            found = account if account.user_id == user.pk else None
        else:
            try:
                found = ExchangeConfig.objects.filter(user=user, pk=str(account)).first()
            except (ValueError, ValidationError):
                found = None
        if found is None:
            raise ValidationError({"account": ["No such account of yours."]})
        if asset_class_of(found.exchange) != "equities":
            raise ValidationError(
                {"account": [f"{found.exchange} is not a stock broker; choose an NSE account."]}
            )
        return found
    strategy = EquitiesStrategy.objects.filter(user=user).select_related("account").first()
    return strategy.account if strategy is not None else None


def _account_json(account: ExchangeConfig | None) -> dict[str, Any] | None:
    if account is None:
        return None
    return {"id": str(account.pk), "exchange": account.exchange, "label": account.label}


def _report(plan: Plan, parsed_problems: list[dict[str, Any]]) -> dict[str, Any]:
    paper = plan.paper
    return {
        "mapping": plan.mapping(),
        "account": _account_json(plan.account),
        "paper_account": _account_json(paper.config) if paper is not None else None,
        "blocking": plan.blocking or any(p["blocking"] for p in parsed_problems),
    }


def legacy_import_create(
    *,
    user: Any,
    files: Mapping[str, bytes],
    account: Any = None,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> LegacyImport:
    """A dry run of `files` ({base name: content}): stores the batch with its counts, mapping and
    problems, and writes nothing else. ValidationError when there is nothing to import or the
    trades have no account to go to."""
    if not files:
        raise ValidationError({"files": ["Send at least one file of the old service."]})
    parsed = f.parse_files(files)
    if not parsed.files:
        raise ValidationError(
            {"files": [f"None of these is a file of the old service ({', '.join(f.KNOWN_FILES)})."]}
        )
    chosen = resolve_account(user=user, account=account)
    if parsed.of(f.TRADE) and chosen is None:
        raise ValidationError({"account": [NO_ACCOUNT]})
    plan = make_plan(user=user, parsed=parsed, account=chosen)
    read_problems = [p.as_dict() for p in parsed.problems]
    return LegacyImport.objects.create(
        user=user,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        files=parsed.files,
        counts=plan.counts,
        problems=read_problems + [p.as_dict() for p in plan.problems],
        report=_report(plan, read_problems),
        payload={
            "account": str(chosen.pk) if chosen is not None else None,
            "read": parsed.read,
            "problem_counts": parsed.problem_counts,
            "read_problems": read_problems,
            "records": {
                kind: [f.record_to_json(r) for r in parsed.of(kind)] for kind in f.KINDS if parsed.of(kind)
            },
        },
    )


def _parsed_from_payload(payload: Mapping[str, Any], files: list[str]) -> f.Parsed:
    records = {
        kind: [f.record_from_json(kind, item) for item in items]
        for kind, items in (payload.get("records") or {}).items()
        if kind in f.KINDS
    }
    problems = [Problem(**p) for p in payload.get("read_problems") or []]
    return f.Parsed(
        records=records,
        problems=problems,
        files=list(files),
        read=dict(payload.get("read") or {}),
        problem_counts=dict(payload.get("problem_counts") or {}),
    )


def _lock(batch: LegacyImport) -> LegacyImport:
    """Lock every import of the batch's trader: two applies of the same files at the same time
    run one after the other, and the second finds the first's rows as duplicates."""
    list(
        LegacyImport.objects.select_for_update()
        .filter(user_id=batch.user_id)
        .order_by("pk")
        .values_list("pk")
    )
    return LegacyImport.objects.select_for_update().get(pk=batch.pk)


def legacy_import_apply(
    *, batch: LegacyImport, actor: Any = None, request: HttpRequest | None = None
) -> LegacyImport:
    """Write the dry run's rows in one transaction. The plan is made again against the rows as
    they are now (a duplicate that appeared since is skipped). LegacyImportConflict when the
    batch is not a dry run or a problem blocks it."""
    with transaction.atomic():
        batch = _lock(batch)
        if batch.status != LegacyImportStatus.DRY_RUN:
            raise LegacyImportConflict(f"This import is {batch.get_status_display().lower()}, not a dry run.")
        user = batch.user
        try:
            parsed = _parsed_from_payload(batch.payload, batch.files)
        except (TypeError, ValueError) as exc:
            raise LegacyImportConflict("This dry run cannot be read back; upload the files again.") from exc
        account_id = batch.payload.get("account")
        account = ExchangeConfig.objects.filter(user=user, pk=account_id).first() if account_id else None
        if parsed.of(f.TRADE) and account is None:
            raise LegacyImportConflict(NO_ACCOUNT + " Upload the files again.", code="no_account")
        plan = make_plan(user=user, parsed=parsed, account=account)
        read_problems = [p.as_dict() for p in parsed.problems]
        problems = read_problems + [p.as_dict() for p in plan.problems]
        if any(p["blocking"] for p in problems):
            raise LegacyImportConflict(
                "Problems in the files block the import; fix them and upload the files again.", code="blocked"
            )
        rows = writers.Rows(batch.pk)
        for trade in plan.trades:
            writers.write_trade(rows, user=user, account=account, trade=trade)
        for row in plan.recommendations:
            writers.write_recommendation(rows, user=user, row=row)
        if plan.paper is not None:
            orders = {
                order.order_id: writers.write_paper_order(rows, ledger=plan.paper, order=order)
                for order in plan.paper_orders
            }
            for tx in plan.paper_transactions:
                writers.write_paper_trade(rows, ledger=plan.paper, tx=tx, orders=orders)
            for holding in plan.paper_holdings:
                writers.write_paper_holding(rows, ledger=plan.paper, holding=holding)
        batch.status = LegacyImportStatus.APPLIED
        batch.applied_at = timezone.now()
        batch.created_rows = rows.created
        batch.counts, batch.problems, batch.report = plan.counts, problems, _report(plan, read_problems)
        batch.save()
        record(
            action="legacy_import.apply",
            actor=actor,
            owner=user,
            resource=batch,
            request=request,
            changes={"files": batch.files, "created": _tally(rows.created), "counts": plan.counts},
        )
    return batch


def _tally(rows: list[list[Any]]) -> dict[str, int]:
    tally: dict[str, int] = {}
    for label, _ in rows:
        tally[label] = tally.get(label, 0) + 1
    return tally


def _instances(rows: list[list[Any]]) -> dict[str, list[Any]]:
    by_label: dict[str, list[Any]] = {}
    for label, pk in rows:
        by_label.setdefault(label, []).append(pk)
    return by_label


def _foreign_dependents(by_label: dict[str, list[Any]]) -> dict[str, int]:
    """Rows a delete of the batch would take with it that the batch did not create (an order the
    engine placed since on an imported position, a fill of an imported paper order...)."""
    ours = {(label, str(pk)) for label, pks in by_label.items() for pk in pks}
    collector = NestedObjects(using=DEFAULT_DB_ALIAS)
    for label, pks in by_label.items():
        collector.collect(list(apps.get_model(label).objects.filter(pk__in=pks)))
    foreign: dict[str, int] = {}
    for model, instances in collector.data.items():
        for instance in instances:
            if (model._meta.label_lower, str(instance.pk)) not in ours:
                foreign[model._meta.label_lower] = foreign.get(model._meta.label_lower, 0) + 1
    return foreign


def legacy_import_rollback(
    *, batch: LegacyImport, actor: Any = None, request: HttpRequest | None = None
) -> LegacyImport:
    """Delete exactly the rows the apply created, children first. LegacyImportConflict when the
    batch is not applied, or when rows made since depend on them (they would go too)."""
    with transaction.atomic():
        batch = _lock(batch)
        if batch.status != LegacyImportStatus.APPLIED:
            raise LegacyImportConflict(
                f"Only an applied import can be rolled back; this one is {batch.get_status_display().lower()}"
            )
        by_label = _instances(batch.created_rows)
        unknown = [label for label in by_label if label not in DELETE_ORDER]
        if unknown:
            raise LegacyImportConflict(
                f"The batch lists rows this version cannot remove: {', '.join(unknown)}."
            )
        foreign = _foreign_dependents(by_label)
        if foreign:
            what = ", ".join(f"{n} {label.split('.')[1]}" for label, n in sorted(foreign.items()))
            raise LegacyImportConflict(
                f"Rows made since the import depend on its rows ({what}); a rollback would delete them too.",
                code="has_dependents",
            )
        deleted: dict[str, int] = {}
        for label in DELETE_ORDER:
            pks = by_label.get(label)
            if pks:
                # Only the batch's own rows cascade (checked above); SET_NULL references to them
                # from other rows (a recommendation naming an imported group) are cleared.
                _, per_model = apps.get_model(label).objects.filter(pk__in=pks).delete()
                for name, n in per_model.items():
                    deleted[name.lower()] = deleted.get(name.lower(), 0) + n
        batch.status = LegacyImportStatus.ROLLED_BACK
        batch.rolled_back_at = timezone.now()
        batch.save(update_fields=["status", "rolled_back_at"])
        record(
            action="legacy_import.rollback",
            actor=actor,
            owner=batch.user,
            resource=batch,
            request=request,
            changes={"deleted": deleted, "listed": _tally(batch.created_rows)},
        )
    return batch
