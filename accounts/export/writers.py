"""The two file formats: one JSON document, or a zip of one CSV per table with a README.

Both write row by row to an open file, so memory stays flat however large the user's history;
`on_table(done, total, label)` is called before each table, for the progress bar.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from django.utils import timezone

from .tables import Table, excluded, log_files, masked_fields, plain, tables

OnTable = Callable[[int, int, str], None]

README = """\
Your Tradefleet data, exported {exported_at}.

One CSV file per table, named app.Model.csv, with a header row of column names.
Money and quantities are exact decimal strings; times are ISO 8601 in UTC ("Z").
Columns ending in _id hold the id of a row in another table (e.g. trading.Fill.order_id ->
trading.DCAOrder.id). Values that are lists or objects are written as JSON.

Secrets are never exported: exchange API secrets, passphrases, broker logins, your webhook secret
and your password appear as **** when set (the API key as ****<last 4>), never decrypted and
never as stored.

Tables and rows:
{counts}

Left out on purpose:
{excluded}

Masked columns:
{masked}

Service log day files, if any, are under logs/.
"""


def _write_json(out: TextIO, value: Any) -> None:
    out.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def write_json(path: Path, user: Any, on_table: OnTable) -> None:
    """`{exported_at, user, tables: {"app.Model": [rows]}, log_files, excluded, masked}`."""
    found = tables()
    with path.open("w", encoding="utf-8") as out:
        out.write('{"exported_at":')
        _write_json(out, plain(timezone.now()))
        out.write(',"user":')
        _write_json(out, next(iter(found[0].rows(user)), None))
        out.write(',"tables":{')
        for number, table in enumerate(found):
            on_table(number, len(found), table.label)
            out.write("," if number else "")
            _write_json(out, table.label)
            out.write(":[")
            for index, row in enumerate(table.rows(user)):
                out.write(",\n" if index else "\n")
                _write_json(out, row)
            out.write("]")
        out.write('},"log_files":{')
        for index, log in enumerate(log_files(user)):
            out.write("," if index else "")
            _write_json(out, log.name)
            out.write(":")
            _write_json(out, log.read_text(encoding="utf-8", errors="replace"))
        out.write('},"excluded":')
        _write_json(out, excluded())
        out.write(',"masked":')
        _write_json(out, masked_fields())
        out.write("}\n")


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _write_table(archive: zipfile.ZipFile, table: Table, user: Any) -> int:
    count = 0
    entry = zipfile.ZipInfo(f"{table.label}.csv", date_time=timezone.now().timetuple()[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    with (
        archive.open(entry, "w", force_zip64=True) as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="") as text,
    ):
        writer = csv.writer(text)
        writer.writerow(table.columns)
        for row in table.rows(user):
            writer.writerow([_csv_value(row[column]) for column in table.columns])
            count += 1
    return count


def write_csv_zip(path: Path, user: Any, on_table: OnTable) -> None:
    found = tables()
    counts: dict[str, int] = {}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number, table in enumerate(found):
            on_table(number, len(found), table.label)
            counts[table.label] = _write_table(archive, table, user)
        for log in log_files(user):
            archive.write(log, f"logs/{log.name}")
        readme = README.format(
            exported_at=plain(timezone.now()),
            counts="\n".join(f"  {label}.csv: {n}" for label, n in counts.items()),
            excluded="\n".join(f"  {label}: {why}" for label, why in excluded().items()),
            masked="\n".join(f"  {label}: {', '.join(cols)}" for label, cols in masked_fields().items()),
        )
        archive.writestr("README.txt", readme)
