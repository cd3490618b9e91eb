"""`manage.py import_legacy` end to end on the sample folder: dry run, --apply, --list,
--rollback, and a non-zero exit when the files are wrong."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tests.trading.equities.legacy.conftest import SAMPLES
from trading.equities.models import LegacyImport, LegacyImportStatus
from trading.positions.models import PositionGroup

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_legacy", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_prints_counts_mapping_and_problems_and_writes_nothing(trader, paper_account):
    output = run("--user", trader.email, str(SAMPLES), "--account", str(paper_account.pk))

    assert "trade                          4           4           0           0" in output
    assert "trades_history.json trade (4) -> position group" in output
    assert "orders.json:53 status: Still open in the old service" in output
    assert "nothing else was written" in output
    assert not PositionGroup.objects.filter(user=trader).exists()
    assert LegacyImport.objects.get(user=trader).status == LegacyImportStatus.DRY_RUN


def test_apply_list_and_rollback(trader, paper_account, table_counts):
    before = table_counts()

    output = run("--user", trader.email, str(SAMPLES), "--account", str(paper_account.pk), "--apply")

    batch = LegacyImport.objects.get(user=trader, status=LegacyImportStatus.APPLIED)
    assert f"Applied batch {batch.pk}: 42 rows created." in output
    assert PositionGroup.objects.filter(user=trader).count() == 4
    assert f"{batch.pk}  applied" in run("--user", trader.email, "--list")

    output = run("--user", trader.email, "--rollback", str(batch.pk))

    assert f"Rolled back batch {batch.pk}: 42 rows removed." in output
    assert table_counts() == before


def test_one_file_or_a_zip_is_a_path_too(trader, paper_account, tmp_path, sample_files):
    import zipfile

    archive = tmp_path / "old.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("paper_trading/orders.json", sample_files["orders.json"])
        zf.writestr("pending_orders.json", sample_files["pending_orders.json"])

    output = run("--user", trader.email, str(archive))

    assert "files: pending_orders.json, orders.json" in output
    assert "files: system_recommended_symbols.json" in run(
        "--user", trader.email, str(SAMPLES / "system_recommended_symbols.json")
    )


def test_problems_that_block_exit_non_zero(trader, paper_account, tmp_path):
    broken = tmp_path / "trades_history.json"
    broken.write_text('{"trades": [\n  {"symbol": "ITC"}\n]}')

    with pytest.raises(CommandError, match="Problems block the import"):
        run("--user", trader.email, str(broken), "--account", str(paper_account.pk), "--apply")

    assert not PositionGroup.objects.filter(user=trader).exists()


def test_an_unknown_user_or_batch_is_an_error(trader):
    with pytest.raises(CommandError, match="No user"):
        run("--user", "nobody@example.com", "--list")
    with pytest.raises(CommandError, match="No import"):
        run("--user", trader.email, "--rollback", "not-a-uuid")
