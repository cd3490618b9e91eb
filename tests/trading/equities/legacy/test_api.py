"""equities/legacy-imports over HTTP: multipart files or one zip (always a dry run), the report,
apply and rollback; another trader's batch is a 404."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from trading.equities.models import LegacyImport
from trading.positions.models import PositionGroup

pytestmark = pytest.mark.django_db
URL = "/api/v1/equities/legacy-imports"


def uploads(files: dict[str, bytes]) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(name, data, content_type="application/json") for name, data in files.items()]


def zipped(files: dict[str, bytes], folder: str = "paper_trading/") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in files.items():
            zf.writestr(
                (folder if name in ("orders.json", "holdings.json", "transactions.json") else "") + name, data
            )
    return buffer.getvalue()


def test_upload_is_a_dry_run_with_its_report(api, trader, paper_account, sample_files):
    response = api.post(
        URL, {"files": uploads(sample_files), "account": str(paper_account.pk)}, format="multipart"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "dry_run" and body["rows_created"] == 0
    assert body["counts"]["paper_transaction"] == {"read": 3, "to_create": 3, "duplicates": 0, "problems": 0}
    assert body["report"]["account"]["id"] == str(paper_account.pk)
    assert body["problems"] == [
        {
            "file": "orders.json",
            "line": 53,
            "field": "status",
            "message": (
                "Still open in the old service: imported as expired, so the paper engine never fills it."
            ),
            "blocking": False,
        }
    ]
    assert not PositionGroup.objects.filter(user=trader).exists()


def test_a_zip_upload_then_apply_then_rollback(api, trader, paper_account, sample_files):
    upload = SimpleUploadedFile("old-service.zip", zipped(sample_files), content_type="application/zip")
    created = api.post(URL, {"files": [upload], "account": str(paper_account.pk)}, format="multipart").json()
    assert sorted(created["files"]) == sorted(sample_files)

    applied = api.post(f"{URL}/{created['id']}/apply")
    assert applied.status_code == 200 and applied.json()["status"] == "applied"
    assert applied.json()["rows_created"] == 42
    assert PositionGroup.objects.filter(user=trader).count() == 4
    assert api.post(f"{URL}/{created['id']}/apply").status_code == 409

    rolled = api.post(f"{URL}/{created['id']}/rollback")
    assert rolled.status_code == 200 and rolled.json()["status"] == "rolled_back"
    assert not PositionGroup.objects.filter(user=trader).exists()
    assert api.post(f"{URL}/{created['id']}/rollback").status_code == 409

    listed = api.get(URL).json()
    assert [row["id"] for row in listed["results"]] == [created["id"]]


def test_another_users_batch_is_404(api, client_for, other_trader, sample_files):
    theirs = LegacyImport.objects.create(user=other_trader)

    assert api.get(f"{URL}/{theirs.pk}").status_code == 404
    assert api.post(f"{URL}/{theirs.pk}/apply").status_code == 404
    assert api.post(f"{URL}/{theirs.pk}/rollback").status_code == 404
    assert api.get(URL).json()["results"] == []


def test_bad_uploads_are_400_with_field_errors(api, paper_account):
    slip = SimpleUploadedFile("evil.zip", zipped({"../../orders.json": b"[]"}, folder=""))

    for payload, field in (
        ({}, "files"),
        ({"files": [slip]}, "files"),
        ({"files": uploads({"notes.txt": b"hello"})}, "files"),
        ({"files": uploads({"trades_history.json": b"[]"}), "account": "not-a-uuid"}, "account"),
    ):
        response = api.post(URL, payload, format="multipart")
        assert response.status_code == 400, response.json()
        assert field in response.json()["errors"]


def test_trades_without_an_account_are_400(api, sample_files):
    response = api.post(URL, {"files": uploads(sample_files)}, format="multipart")

    assert response.status_code == 400
    assert "Choose the account" in response.json()["errors"]["account"][0]


def test_a_viewer_reads_but_cannot_upload(client_for, viewer, sample_files):
    client = client_for(viewer)

    assert client.get(URL).status_code == 200
    assert client.post(URL, {"files": uploads(sample_files)}, format="multipart").status_code == 403


def test_a_blocked_dry_run_answers_409_blocked(api, paper_account):
    files = uploads({"trades_history.json": b'[\n  {"symbol": "ITC", "qty": 1}\n]'})
    created = api.post(URL, {"files": files, "account": str(paper_account.pk)}, format="multipart").json()
    assert created["report"]["blocking"] is True
    assert {p["field"] for p in created["problems"]} == {"entry_price", "entry_time", "status"}

    response = api.post(f"{URL}/{created['id']}/apply")

    assert response.status_code == 409 and response.json()["code"] == "blocked"
