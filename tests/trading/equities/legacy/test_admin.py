"""Admins read every legacy import in Django admin: the list with its counts, one import with
its counts and problems; nothing there changes a batch."""

from __future__ import annotations

import pytest
from django.test import Client

import trading.equities.legacy.admin  # noqa: F401  # registers the admin, as trading/equities/admin.py does
from trading.equities.legacy.services import legacy_import_create

pytestmark = pytest.mark.django_db


def test_admin_lists_and_shows_an_import_read_only(admin_user, trader, paper_account, sample_files):
    batch = legacy_import_create(user=trader, files=sample_files, account=paper_account.pk, actor=trader)
    client = Client()
    client.force_login(admin_user)

    listing = client.get("/admin/trading/legacyimport/")
    detail = client.get(f"/admin/trading/legacyimport/{batch.pk}/change/")

    assert listing.status_code == 200 and trader.email in listing.content.decode()
    page = detail.content.decode()
    assert detail.status_code == 200
    assert "paper transaction" in page and "orders.json:53" in page
    assert client.post(f"/admin/trading/legacyimport/{batch.pk}/delete/").status_code == 403
