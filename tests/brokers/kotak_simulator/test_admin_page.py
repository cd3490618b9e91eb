"""The Kotak simulator's page in Django admin: prices shown and set (audited), admins only."""

from __future__ import annotations

import pytest
from django.test import Client

from auditlog.models import AuditLog

from .conftest import TOKEN


@pytest.fixture
def pointed_at(sim, settings):
    settings.KOTAK_SIMULATOR_URL = sim.base_url
    settings.KOTAK_SIMULATOR_CONTROL_TOKEN = TOKEN
    return sim


@pytest.mark.django_db
def test_the_page_shows_the_symbols_and_sets_a_price(pointed_at, admin_user, password):
    browser = Client()
    assert browser.login(username=admin_user.email, password=password)
    page = browser.get("/admin/brokers/kotak-simulator/")
    assert page.status_code == 200
    assert b"RELIANCE-EQ" in page.content and b"open" in page.content
    done = browser.post("/admin/brokers/kotak-simulator/", {"symbol": "tcs", "price": "3210.03"}, follow=True)
    assert b"TCS set to 3210.00" in done.content
    assert AuditLog.objects.filter(action="kotak_simulator.price_set", resource_id="TCS").exists()


@pytest.mark.django_db
def test_the_page_says_when_the_simulator_is_unreachable(settings, admin_user, password):
    settings.KOTAK_SIMULATOR_URL = "http://127.0.0.1:9"
    browser = Client()
    browser.login(username=admin_user.email, password=password)
    assert b"cannot be reached" in browser.get("/admin/brokers/kotak-simulator/").content


@pytest.mark.django_db
def test_the_page_is_for_admins_only(pointed_at, trader, password):
    browser = Client()
    browser.login(username=trader.email, password=password)
    assert browser.get("/admin/brokers/kotak-simulator/").status_code == 302
