"""Reading the old service's files: every record checked, every problem with its file, the line
its record starts on and the field; money exact (Decimal), naive times in India time."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from trading.equities.legacy import archive, formats
from trading.equities.legacy.formats import parse_files


def lines(*records: str, wrap: str = "[\n{}\n]") -> bytes:
    return wrap.format(",\n".join(records)).encode()


TRADE = """  {{
    "symbol": "{symbol}",
    "entry_price": {price},
    "entry_time": "2025-11-04T09:15:07",
    "qty": 10,
    "status": "closed",
    "exit_price": 1500,
    "exit_time": "2025-11-10T11:42:00",
    "exit_reason": "ema9_target"
  }}"""


def problems_of(parsed: formats.Parsed) -> list[tuple[str, int, str]]:
    return [(p.file, p.line, p.field) for p in parsed.problems]


def test_the_sample_files_read_without_a_problem(sample_files):
    parsed = parse_files(sample_files)

    assert parsed.problems == []
    assert parsed.read == {
        "trade": 4,
        "failed_order": 1,
        "pending_order": 2,
        "recommended_symbol": 3,
        "paper_order": 4,
        "paper_holding": 1,
        "paper_transaction": 3,
    }
    sbin = parsed.of(formats.TRADE)[1]
    assert (sbin.symbol, sbin.qty, sbin.total_qty, len(sbin.reentries)) == ("SBIN", 118, 238, 2)
    assert sbin.entry_price == Decimal("842.10") and isinstance(sbin.entry_price, Decimal)
    assert sbin.line == 25


def test_a_naive_time_is_india_time_stored_in_utc(sample_files):
    trade = parse_files(sample_files).of(formats.TRADE)[0]

    assert trade.entry_time == datetime(2025, 11, 4, 3, 45, 7, tzinfo=UTC)  # 09:15:07 IST


def test_a_trade_without_entry_price_names_the_line_its_record_starts_on():
    bad = TRADE.format(symbol="TCS", price="null")
    parsed = parse_files({"trades_history.json": lines(TRADE.format(symbol="INFY", price=1490), bad)})

    assert problems_of(parsed) == [("trades_history.json", 12, "entry_price")]
    assert parsed.problems[0].message == "Required." and parsed.problems[0].blocking
    assert [t.symbol for t in parsed.of(formats.TRADE)] == ["INFY"]
    assert parsed.problem_counts == {"trade": 1}


def test_trades_history_holds_trades_and_failed_orders_or_a_bare_list():
    body = (
        '{\n  "trades": [\n' + TRADE.format(symbol="INFY", price=1490) + "\n  ],\n"
        '  "failed_orders": [\n'
        '    {"symbol": "ITC", "qty": "oops", "failed_at": "2025-11-26T16:05:12"}\n  ]\n}'
    )
    parsed = parse_files({"trades_history.json": body.encode()})

    assert problems_of(parsed) == [("trades_history.json", 15, "qty")]
    assert len(parsed.of(formats.TRADE)) == 1
    bare = parse_files({"trades_history.json": lines(TRADE.format(symbol="INFY", price=1490))})
    assert bare.problems == [] and len(bare.of(formats.TRADE)) == 1


def test_a_closed_trade_needs_its_exit_and_a_reentry_names_its_field():
    record = {
        "symbol": "SBIN",
        "entry_price": 842.1,
        "entry_time": "2025-11-05T09:15:04",
        "qty": 118,
        "status": "closed",
        "reentries": [{"qty": 60, "price": 821.45, "time": "2025-11-07T09:15:02"}, {"qty": 60, "time": "x"}],
    }
    text = "[\n" + json.dumps(record, indent=2) + "\n]"
    parsed = parse_files({"trades_history.json": text.encode()})

    fields = {p.field for p in parsed.problems}
    assert fields == {"reentries[1].price", "reentries[1].time", "exit_price", "exit_time"}
    assert {p.line for p in parsed.problems} == {2}
    assert parsed.of(formats.TRADE) == []


def test_bad_json_is_reported_on_its_line():
    parsed = parse_files(
        {"pending_orders.json": b'[\n  {"order_id": "1",\n  "qty": 3\n  "symbol": "ITC"}\n]'}
    )

    assert len(parsed.problems) == 1
    problem = parsed.problems[0]
    assert (problem.file, problem.line, problem.blocking) == ("pending_orders.json", 4, True)
    assert problem.message.startswith("Not valid JSON")


def test_a_pnl_that_does_not_add_up_is_reported_without_blocking():
    trade = TRADE.format(symbol="INFY", price=1490)[:-4] + ',\n    "pnl": 999\n  }'
    parsed = parse_files({"trades_history.json": lines(trade)})

    assert [(p.field, p.blocking) for p in parsed.problems] == [("pnl", False)]
    assert len(parsed.of(formats.TRADE)) == 1


def test_holdings_are_read_per_symbol_with_their_lines():
    body = b'{\n  "ITC": {"quantity": 248, "average_price": 402.35},\n  "TCS": {"quantity": -1}\n}'
    parsed = parse_files({"holdings.json": body})

    assert [h.symbol for h in parsed.of(formats.PAPER_HOLDING)] == ["ITC"]
    assert problems_of(parsed) == [("holdings.json", 3, "quantity"), ("holdings.json", 3, "average_price")]


def test_a_paper_order_id_is_pt_a_date_and_a_number():
    order = {
        "symbol": "ITC",
        "quantity": 1,
        "order_type": "MARKET",
        "transaction_type": "BUY",
        "order_id": "PT202513450001",
        "status": "PENDING",
        "placed_at": "2025-11-24T16:05:03",
    }
    parsed = parse_files({"orders.json": json.dumps([order]).encode()})

    assert problems_of(parsed) == [("orders.json", 1, "order_id")]


def test_unknown_words_are_listed_with_the_accepted_ones():
    pending = {
        "order_id": "1",
        "symbol": "ITC",
        "qty": 1,
        "placed_at": "2025-11-27T16:05:08",
        "status": "LOST",
    }
    parsed = parse_files({"pending_orders.json": json.dumps([pending]).encode()})

    assert problems_of(parsed) == [("pending_orders.json", 1, "status")]
    assert "COMPLETE" in parsed.problems[0].message


def test_an_unknown_file_is_ignored_with_a_note():
    parsed = parse_files({"notes.json": b"[]"})

    assert parsed.files == []
    assert [(p.file, p.blocking) for p in parsed.problems] == [("notes.json", False)]


@pytest.mark.parametrize("kind", formats.KINDS)
def test_every_record_survives_the_batch_payload(sample_files, kind):
    for record in parse_files(sample_files).of(kind):
        stored = json.loads(json.dumps(formats.record_to_json(record)))
        assert formats.record_from_json(kind, stored) == record


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_with_the_paper_folder_is_unpacked_by_base_name(sample_files):
    upload = _zip({f"export/paper_trading/{name}": data for name, data in sample_files.items()})

    assert archive.collect([("old.zip", upload)]) == sample_files


@pytest.mark.parametrize("name", ["../trades_history.json", "/etc/orders.json", "a/../../holdings.json"])
def test_a_zip_path_climbing_out_is_refused(name):
    with pytest.raises(archive.ArchiveError, match="Unsafe path"):
        archive.collect([("old.zip", _zip({name: b"[]"}))])


def test_a_zip_of_too_many_files_is_refused():
    with pytest.raises(archive.ArchiveError, match="at most 50"):
        archive.collect([("old.zip", _zip({f"f{i}.json": b"[]" for i in range(51)}))])


def test_over_20_mb_is_refused():
    with pytest.raises(archive.ArchiveError, match="20 MB"):
        archive.collect([("orders.json", b" " * (archive.MAX_TOTAL_BYTES + 1))])
