"""Deals as CSV, pure: the columns a spreadsheet gets and the text of each line.

Rows are the API's own deal bodies (PositionSerializer data), so every amount in the file is the
exact string the JSON shows: plain decimals, times ISO-8601 UTC."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

COLUMNS = (
    "id",
    "exchange",
    "account_label",
    "symbol",
    "timeframe",
    "side",
    "base_currency",
    "quote_currency",
    "opened_at",
    "closed_at",
    "duration_seconds",
    "avg_entry",
    "exit_price",
    "invested",
    "fees",
    "realized_pnl",
    "realized_pnl_percent",
    "exit_reason",
    "exit_reason_label",
)


def csv_lines(rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The header, then one line per row; empty cells for nulls."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values: Iterable[Any]) -> str:
        writer.writerow(["" if value is None else value for value in values])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(COLUMNS)
    for row in rows:
        yield line(row.get(column) for column in COLUMNS)
