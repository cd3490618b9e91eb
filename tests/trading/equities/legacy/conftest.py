"""The legacy import's fixtures: the sample files of docs/samples/legacy, a trader with a paper NSE
account (its ledger too), and a count of every table so a test can say nothing else changed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps

from accounts.models import User
from brokers.models import ExchangeConfig
from brokers.paper_equities.services import paper_equities_account_create
from trading.equities.legacy import archive

SAMPLES = Path(__file__).resolve().parents[4] / "docs" / "samples" / "legacy"
# Rows an import writes about itself: the batch and the audit entries of its apply and rollback.
BOOKKEEPING = {"trading.legacyimport", "auditlog.auditlog"}


@pytest.fixture
def sample_files() -> dict[str, bytes]:
    return archive.collect_path(SAMPLES)


@pytest.fixture
def paper_account(trader: User) -> ExchangeConfig:
    config = ExchangeConfig.objects.create(
        user=trader, exchange="paper_nse", label="legacy", price_source="kotak_simulator"
    )
    paper_equities_account_create(config=config)
    return config


@pytest.fixture
def table_counts() -> Callable[[], dict[str, int]]:
    """Rows in every table of the project, but the import's own bookkeeping."""

    def count() -> dict[str, int]:
        return {
            model._meta.label_lower: model.objects.count()
            for model in apps.get_models()
            if model._meta.label_lower not in BOOKKEEPING and model._meta.managed
        }

    return count
