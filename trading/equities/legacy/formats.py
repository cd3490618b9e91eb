"""The old single-user NSE service's files, pure (no Django): read and check each record, with
every problem named by file, line and field (docs/user-guide/legacy-import.md has every field).

    trades_history.json               {"trades": [trade, ...], "failed_orders": [failed order, ...]}
                                      (a bare list of trades is accepted too)
    pending_orders.json               [pending order, ...]
    system_recommended_symbols.json   [recommended symbol, ...]
    orders.json                       [paper order, ...]            (the paper_trading folder)
    holdings.json                     {symbol: holding, ...}
    transactions.json                 [transaction, ...]

A record is a frozen dataclass with the line it starts on; `record_to_json` and `record_from_json`
carry it through the import batch's payload between the dry run and the apply.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from .fields import Problem, jsonable
from .json_lines import JsonScanner
from .parsers import (
    parse_failed_order,
    parse_paper_holding,
    parse_paper_order,
    parse_paper_transaction,
    parse_pending_order,
    parse_recommended,
    parse_trade,
)
from .records import (  # the records and their names are this module's interface too
    FAILED_ORDER,
    FILE_OF_KIND,
    KINDS,
    KNOWN_FILES,
    PAPER_FILES,
    PAPER_HOLDING,
    PAPER_HOLDINGS_FILE,
    PAPER_ORDER,
    PAPER_ORDERS_FILE,
    PAPER_TRANSACTION,
    PAPER_TRANSACTIONS_FILE,
    PENDING_FILE,
    PENDING_ORDER,
    RECOMMENDED,
    RECOMMENDED_FILE,
    TRADE,
    TRADES_FILE,
    FailedOrder,
    PaperHolding,
    PaperOrder,
    PaperTransaction,
    PendingOrder,
    RecommendedSymbol,
    Trade,
)

__all__ = [
    "FAILED_ORDER",
    "FILE_OF_KIND",
    "KINDS",
    "KNOWN_FILES",
    "PAPER_FILES",
    "PAPER_HOLDING",
    "PAPER_HOLDINGS_FILE",
    "PAPER_ORDER",
    "PAPER_ORDERS_FILE",
    "PAPER_TRANSACTION",
    "PAPER_TRANSACTIONS_FILE",
    "PENDING_FILE",
    "PENDING_ORDER",
    "RECOMMENDED",
    "RECOMMENDED_FILE",
    "TRADE",
    "TRADES_FILE",
    "FailedOrder",
    "PaperHolding",
    "PaperOrder",
    "PaperTransaction",
    "Parsed",
    "PendingOrder",
    "Problem",
    "RecommendedSymbol",
    "Trade",
    "parse_file",
    "parse_files",
    "record_from_json",
    "record_to_json",
]

# --- whole files ---------------------------------------------------------------------------------


@dataclass
class Parsed:
    """What a set of files holds: the good records per kind and every problem."""

    records: dict[str, list[Any]]
    problems: list[Problem]
    files: list[str]
    read: dict[str, int]  # records found per kind, good or not
    problem_counts: dict[str, int]  # problems per kind of record

    def of(self, kind: str) -> list[Any]:
        return self.records.get(kind, [])


def _list_of(
    scanner: JsonScanner, name: str, what: str, problems: list[Problem]
) -> list[tuple[int, Any]] | None:
    pos = scanner.start()
    if scanner.char(pos) != "[":
        problems.append(Problem(name, scanner.line(pos), "", f"{name} must hold a JSON list of {what}."))
        return None
    items, end = scanner.items(pos)
    scanner.finish(end)
    return items


def _trades_history(
    scanner: JsonScanner, name: str, problems: list[Problem]
) -> dict[str, list[tuple[int, Any]]]:
    pos = scanner.start()
    if scanner.char(pos) == "[":  # the oldest files: a bare list of trades
        items, end = scanner.items(pos)
        scanner.finish(end)
        return {TRADE: items}
    if scanner.char(pos) != "{":
        problems.append(
            Problem(name, scanner.line(pos), "", 'Must hold {"trades": [...], "failed_orders": [...]}.')
        )
        return {}
    members, end = scanner.members(pos, arrays=frozenset({"trades", "failed_orders"}))
    scanner.finish(end)
    found: dict[str, list[tuple[int, Any]]] = {}
    for key, kind in (("trades", TRADE), ("failed_orders", FAILED_ORDER)):
        if key not in members:
            continue
        line, value = members[key]
        if not isinstance(value, list):
            problems.append(Problem(name, line, key, "Must be a list."))
            continue
        found[kind] = value
    if "trades" not in members:
        problems.append(Problem(name, scanner.line(pos), "trades", "No trades list in the file.", False))
    return found


def _holdings(scanner: JsonScanner, name: str, problems: list[Problem]) -> list[tuple[int, str, Any]]:
    pos = scanner.start()
    if scanner.char(pos) == "[":  # a list of holdings, each naming its symbol
        items, end = scanner.items(pos)
        scanner.finish(end)
        return [
            (line, str(raw.get("symbol", "")) if isinstance(raw, Mapping) else "", raw) for line, raw in items
        ]
    if scanner.char(pos) != "{":
        problems.append(Problem(name, scanner.line(pos), "", "Must hold {symbol: holding, ...}."))
        return []
    members, end = scanner.members(pos)
    scanner.finish(end)
    return [(line, symbol, raw) for symbol, (line, raw) in members.items()]


Parser = Callable[..., Any]
LIST_FILES: dict[str, tuple[str, str, Parser]] = {
    PENDING_FILE: (PENDING_ORDER, "pending orders", parse_pending_order),
    RECOMMENDED_FILE: (RECOMMENDED, "recommended symbols", parse_recommended),
    PAPER_ORDERS_FILE: (PAPER_ORDER, "paper orders", parse_paper_order),
    PAPER_TRANSACTIONS_FILE: (PAPER_TRANSACTION, "transactions", parse_paper_transaction),
}
TRADES_PARSERS: dict[str, Parser] = {TRADE: parse_trade, FAILED_ORDER: parse_failed_order}


def decode(name: str, data: bytes, problems: list[Problem]) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(name, line, "", "Not UTF-8 text."))
        return None


def parse_file(name: str, data: bytes, parsed: Parsed) -> None:
    """Read one file (`name` is its base name) into `parsed`."""
    problems = parsed.problems
    if name not in KNOWN_FILES:
        known = ", ".join(KNOWN_FILES)
        problems.append(
            Problem(name, 0, "", f"Not a file of the old service; ignored. Known: {known}.", False)
        )
        return
    parsed.files.append(name)
    text = decode(name, data, problems)
    if text is None:
        return
    scanner = JsonScanner(text)
    try:
        if name == TRADES_FILE:
            for kind, items in _trades_history(scanner, name, problems).items():
                _records(parsed, kind, [(line, raw, {}) for line, raw in items], TRADES_PARSERS[kind], name)
        elif name == PAPER_HOLDINGS_FILE:
            holdings = _holdings(scanner, name, problems)
            rows = [(line, raw, {"symbol": symbol}) for line, symbol, raw in holdings]
            _records(parsed, PAPER_HOLDING, rows, parse_paper_holding, name)
        else:
            kind, what, parser = LIST_FILES[name]
            listed = _list_of(scanner, name, what, problems)
            if listed is not None:
                _records(parsed, kind, [(line, raw, {}) for line, raw in listed], parser, name)
    except json.JSONDecodeError as exc:
        problems.append(Problem(name, exc.lineno, "", f"Not valid JSON: {exc.msg} (column {exc.colno})."))
    except RecursionError:
        problems.append(Problem(name, 1, "", "Not valid JSON: nested too deeply."))


def _records(
    parsed: Parsed, kind: str, rows: list[tuple[int, Any, dict[str, Any]]], parser: Parser, name: str
) -> None:
    parsed.read[kind] = parsed.read.get(kind, 0) + len(rows)
    bucket = parsed.records.setdefault(kind, [])
    before = len(parsed.problems)
    for line, raw, extra in rows:
        record = parser(raw, line=line, file=name, problems=parsed.problems, **extra)
        if record is not None:
            bucket.append(record)
    parsed.problem_counts[kind] = parsed.problem_counts.get(kind, 0) + len(parsed.problems) - before


def parse_files(files: Mapping[str, bytes]) -> Parsed:
    """Read every file (keys are base names); a file named twice is a problem."""
    parsed = Parsed(records={}, problems=[], files=[], read={}, problem_counts={})
    for name in sorted(files, key=lambda n: KNOWN_FILES.index(n) if n in KNOWN_FILES else len(KNOWN_FILES)):
        parse_file(name, files[name], parsed)
    return parsed


# --- through the batch's payload -----------------------------------------------------------------

RECORD_TYPES: dict[str, type] = {
    TRADE: Trade,
    FAILED_ORDER: FailedOrder,
    PENDING_ORDER: PendingOrder,
    RECOMMENDED: RecommendedSymbol,
    PAPER_ORDER: PaperOrder,
    PAPER_HOLDING: PaperHolding,
    PAPER_TRANSACTION: PaperTransaction,
}
PARSERS: dict[str, Parser] = {
    TRADE: parse_trade,
    FAILED_ORDER: parse_failed_order,
    PENDING_ORDER: parse_pending_order,
    RECOMMENDED: parse_recommended,
    PAPER_ORDER: parse_paper_order,
    PAPER_HOLDING: parse_paper_holding,
    PAPER_TRANSACTION: parse_paper_transaction,
}


def record_to_json(record: Any) -> dict[str, Any]:
    """A checked record as JSON: the file's own field names, exact decimals, times with offset."""
    return {f.name: jsonable(getattr(record, f.name)) for f in fields(record)}


def record_from_json(kind: str, data: Mapping[str, Any]) -> Any:
    """Back from `record_to_json`, through the same checks (the payload is data, not trust)."""
    problems: list[Problem] = []
    extra = {"symbol": str(data.get("symbol", ""))} if kind == PAPER_HOLDING else {}
    body = dict(data)
    if kind == RECOMMENDED:
        body["date"] = str(data.get("date", ""))
    record = PARSERS[kind](body, line=int(data.get("line") or 0), problems=problems, **extra)
    if record is None:
        raise ValueError(f"a stored {kind} no longer reads: {[p.message for p in problems][:3]}")
    return record
