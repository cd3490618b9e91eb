"""Re-encrypt every secret at rest under the first key of ENCRYPTION_KEYS.

Rotation: put a new key first (`ENCRYPTION_KEYS=new:...,old:...`), restart, run this command, then
drop the old key. Values already under the new key are left alone, so it is safe to run twice or
to resume after an interruption.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from config.encryption import DecryptionError, SecretField, key_id, keyring

BATCH = 200


class Command(BaseCommand):
    help = "Re-encrypt all secrets at rest under the first key of ENCRYPTION_KEYS."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        apps.get_models()  # every model module imported, so every SecretField is registered
        primary = keyring().primary_id
        fields: dict[type, list[SecretField]] = {}
        for model, name in SecretField.registry:
            fields.setdefault(model, []).append(model.__dict__[name])
        total = sum(model.objects.count() for model in fields)
        counts: Counter[str] = Counter()
        with tqdm(
            total=total, unit="row", desc="rotating", disable=total == 0 or options["verbosity"] == 0
        ) as bar:
            for model, secrets in fields.items():
                pks = list(model.objects.order_by("pk").values_list("pk", flat=True))
                for start in range(0, len(pks), BATCH):
                    chunk = pks[start : start + BATCH]
                    with transaction.atomic():
                        for row in model.objects.select_for_update().filter(pk__in=chunk):
                            self._rotate_row(row, secrets, counts, dry_run=dry_run)
                        if dry_run:
                            transaction.set_rollback(True)
                    bar.update(len(chunk))
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        self.stdout.write(
            f"{verb} {counts['rotated']} value(s) under key '{primary}'; "
            f"{counts['current']} already current, {counts['empty']} empty, {total} row(s) scanned."
        )

    def _rotate_row(
        self, row: Any, secrets: list[SecretField], counts: Counter[str], *, dry_run: bool
    ) -> None:
        changed = []
        for secret in secrets:
            token = getattr(row, secret.column)
            if not token:
                counts["empty"] += 1
                continue
            try:
                rotated = secret.reencrypt(row)
            except DecryptionError as exc:
                raise CommandError(
                    f"{row._meta.label} {row.pk}: {secret.name} cannot be decrypted with the configured keys "
                    f"(stored under key '{key_id(token)}'): {exc}. "
                    "Its batch was rolled back; the rows before it are done."
                ) from None
            counts["rotated" if rotated else "current"] += 1
            if rotated:
                changed.append(secret.column)
        if changed and not dry_run:
            row.save(update_fields=changed)
