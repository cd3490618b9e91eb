"""Asking for an export, following its progress, and its 24-hour download link."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from django.utils import timezone

from accounts.export.models import DataExport, ExportStatus
from accounts.export.tasks import delete_expired_exports

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["?format=xml", "?format=", ""])
def test_an_unknown_format_is_a_400_naming_the_field(api: Any, query: str) -> None:
    response = api.get(f"/api/v1/me/export{query}")
    assert response.status_code == 400
    assert "format" in response.json()["errors"]
    assert not DataExport.objects.exists()


def test_posting_an_unknown_format_is_a_400_too(api: Any) -> None:
    response = api.post("/api/v1/me/exports", {"format": "pdf"}, format="json")
    assert response.status_code == 400
    assert "format" in response.json()["errors"]


def test_asking_twice_while_it_is_queued_returns_the_same_export(api: Any) -> None:
    first = api.get("/api/v1/me/export?format=json")
    second = api.post("/api/v1/me/exports", {"format": "json"}, format="json")
    other_format = api.get("/api/v1/me/export?format=csv")
    assert first.status_code == second.status_code == other_format.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert other_format.json()["id"] != first.json()["id"]
    assert first.json()["status"] == "queued"
    assert first.json()["download_url"] is None


def test_the_list_shows_only_your_own_exports(client_for: Callable, trader: Any, other_trader: Any) -> None:
    mine = client_for(trader).get("/api/v1/me/export?format=json").json()
    client_for(other_trader).get("/api/v1/me/export?format=json")
    listed = client_for(trader).get("/api/v1/me/exports").json()["results"]
    assert [e["id"] for e in listed] == [mine["id"]]


def test_another_users_export_is_404(client_for: Callable, trader: Any, other_trader: Any) -> None:
    theirs = client_for(other_trader).get("/api/v1/me/export?format=json").json()
    assert client_for(trader).get(f"/api/v1/me/exports/{theirs['id']}").status_code == 404


def test_a_link_is_refused_for_another_export_and_without_a_token(
    client_for: Callable, trader: Any, other_trader: Any, export_now: Callable, download: Callable
) -> None:
    mine = export_now(client_for(trader), "json")
    theirs = export_now(client_for(other_trader), "json")
    their_token = urlsplit(theirs["download_url"]).query
    assert download(f"/api/v1/me/exports/{mine['id']}/download?{their_token}").status_code == 404
    assert download(f"/api/v1/me/exports/{mine['id']}/download").status_code == 404
    assert download(f"/api/v1/me/exports/{mine['id']}/download?token=forged").status_code == 404


def test_the_link_works_for_24_hours_then_says_it_expired(
    api: Any, client_for: Callable, trader: Any, export_now: Callable, download: Callable
) -> None:
    started = timezone.now()
    with time_machine.travel(started, tick=False):
        export = export_now(api, "json")
        assert export["expires_at"] == (started + timedelta(hours=24)).isoformat().replace("+00:00", "Z")
        url = export["download_url"]
    with time_machine.travel(started + timedelta(hours=23, minutes=59), tick=False):
        response = download(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b'{"exported_at":')
    with time_machine.travel(started + timedelta(hours=24, seconds=1), tick=False):
        expired = download(url)
        assert expired.status_code == 410
        assert expired.json()["code"] == "link_expired"
        assert "expired" in expired.json()["detail"]
        # (Logged in again: the first login's access token has expired by now.)
        shown = client_for(trader).get(f"/api/v1/me/exports/{export['id']}").json()
        assert shown["download_url"] is None


def test_the_sweeper_deletes_expired_files(api: Any, export_now: Callable, export_dir: Path) -> None:
    export = export_now(api, "csv")
    (written,) = list(export_dir.rglob("*.zip"))
    assert written.stat().st_size == export["size"]
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        delete_expired_exports()
    assert not written.exists()
    assert DataExport.objects.get(pk=export["id"]).status == ExportStatus.EXPIRED
    shown = api.get(f"/api/v1/me/exports/{export['id']}").json()
    assert (shown["status"], shown["download_url"]) == ("expired", None)


def test_a_failed_export_says_so_and_leaves_no_file(
    api: Any, export_now: Callable, export_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(path: Path, user: Any, on_table: Any) -> None:
        path.write_text("half")
        raise OSError("disk full")

    monkeypatch.setattr("accounts.export.services.write_json", broken)
    export = export_now(api, "json")
    assert export["status"] == "failed"
    assert "try again" in export["error"]
    assert export["download_url"] is None
    assert not [p for p in export_dir.rglob("*") if p.is_file()]
    # A failed export does not block the next one.
    assert api.get("/api/v1/me/export?format=json").json()["id"] != export["id"]


def test_an_export_whose_message_was_lost_is_run_by_the_sweeper(
    api: Any, eager_celery: None, export_dir: Path
) -> None:
    # Asked for, but the task message never left (no on-commit callbacks run here): only the row.
    queued = api.get("/api/v1/me/export?format=json").json()
    delete_expired_exports()
    assert DataExport.objects.get(pk=queued["id"]).status == ExportStatus.QUEUED  # not yet: too fresh
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        delete_expired_exports()
    assert DataExport.objects.get(pk=queued["id"]).status == ExportStatus.SUCCEEDED
    assert list(export_dir.rglob("*.json"))
