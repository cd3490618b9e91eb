"""`manage.py import_legacy --user EMAIL PATH [--account ID] [--apply]`, `--rollback BATCH`, `--list`:
bring the old single-user NSE service's files into a trader's account (docs/user-guide/legacy-import.md).

PATH is a folder (the paper files may sit in a sub-folder such as paper_trading/), a zip, or one
file. Without --apply nothing but the dry-run batch is written: it prints the counts, what maps
to what and every problem as file:line. Exits non-zero when a problem blocks the import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from trading.equities.legacy import archive
from trading.equities.legacy.services import (
    LegacyImportConflict,
    legacy_import_apply,
    legacy_import_create,
    legacy_import_rollback,
)
from trading.equities.models import LegacyImport

COLUMNS = ("read", "to_create", "duplicates", "problems")


class Command(BaseCommand):
    help = "Import the old NSE service's JSON files for a user: dry run, --apply, --rollback BATCH, --list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="The trader's email")
        parser.add_argument("path", nargs="?", help="A folder, a zip or one JSON file of the old service")
        parser.add_argument("--account", default=None, help="Id of the account the trades go to")
        parser.add_argument("--apply", action="store_true", help="Write the rows (one transaction)")
        parser.add_argument("--rollback", metavar="BATCH", default=None, help="Remove exactly that batch")
        parser.add_argument("--list", action="store_true", help="List this user's imports")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["user"].strip()).first()
        if user is None:
            raise CommandError(f"No user with the email {options['user']!r}.")
        if options["list"]:
            self._list(user)
            return
        if options["rollback"]:
            self._rollback(user, options["rollback"])
            return
        if not options["path"]:
            raise CommandError("Give the PATH of the files (a folder, a zip or one file).")
        self._import(user, Path(options["path"]), options["account"], apply=options["apply"])

    # --- the three uses -----------------------------------------------------------------------

    def _import(self, user: User, path: Path, account: str | None, *, apply: bool) -> None:
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        try:
            files = archive.collect_path(path)
            batch = legacy_import_create(user=user, files=files, account=account, actor=None)
        except archive.ArchiveError as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc
        self._report(batch)
        if batch.report.get("blocking"):
            raise CommandError(f"Problems block the import (batch {batch.pk}); fix the files and run again.")
        if not apply:
            self.stdout.write(f"Dry run {batch.pk}: nothing else was written. Add --apply to import.")
            return
        try:
            batch = legacy_import_apply(batch=batch, actor=None)
        except LegacyImportConflict as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Applied batch {batch.pk}: {len(batch.created_rows)} rows created.")
        self.stdout.write(f"Undo with: manage.py import_legacy --user {user.email} --rollback {batch.pk}")

    def _rollback(self, user: User, batch_id: str) -> None:
        try:
            batch = LegacyImport.objects.filter(user=user, pk=batch_id).first()
        except (ValueError, ValidationError):
            batch = None
        if batch is None:
            raise CommandError(f"No import {batch_id} of {user.email}.")
        try:
            batch = legacy_import_rollback(batch=batch, actor=None)
        except LegacyImportConflict as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Rolled back batch {batch.pk}: {len(batch.created_rows)} rows removed.")

    def _list(self, user: User) -> None:
        batches = LegacyImport.objects.filter(user=user)
        if not batches:
            self.stdout.write(f"No imports for {user.email}.")
        for batch in batches:
            rows = len(batch.created_rows)
            self.stdout.write(
                f"{batch.pk}  {batch.status:<11}  {batch.created_at:%Y-%m-%d %H:%M}  "
                f"{', '.join(batch.files)}  ({rows} rows, {len(batch.problems)} problems)"
            )

    # --- printing -----------------------------------------------------------------------------

    def _report(self, batch: LegacyImport) -> None:
        out = self.stdout.write
        account = batch.report.get("account") or {}
        paper = batch.report.get("paper_account") or {}
        out(f"Import {batch.pk} (dry run) for {batch.user.email}")
        out(f"  files: {', '.join(batch.files)}")
        if account:
            out(f"  trades go to account {account['exchange']}:{account['label']} ({account['id']})")
        if paper:
            out(f"  paper files go to the ledger of {paper['exchange']}:{paper['label']} ({paper['id']})")
        out("")
        out(f"  {'record':<20}" + "".join(f"{name.replace('_', ' '):>12}" for name in COLUMNS))
        for kind, counts in batch.counts.items():
            out(f"  {kind.replace('_', ' '):<20}" + "".join(f"{counts.get(n, 0):>12}" for n in COLUMNS))
        out("")
        out("What maps to what:")
        for row in batch.report.get("mapping", []):
            out(f"  {row['from']} ({row['count']}) -> {row['to']}")
        if batch.problems:
            out("")
            out(f"Problems ({len(batch.problems)}):")
            for problem in batch.problems:
                where = f"{problem['file']}:{problem['line']}"
                field = f" {problem['field']}:" if problem["field"] else ""
                blocks = " [blocks the import]" if problem.get("blocking") else ""
                out(f"  {where}{field} {problem['message']}{blocks}")
        out("")


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)
