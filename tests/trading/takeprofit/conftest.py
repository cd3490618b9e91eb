"""What the take-profit tests share."""

from __future__ import annotations

import pytest

from trading.takeprofit.services import marks_load as services_marks_load


@pytest.fixture
def loaded(monkeypatch) -> list[str]:
    """The ids of the groups the batches read, tick after tick."""
    seen: list[str] = []
    real = services_marks_load.marks_load

    def spy(account_ids, **kwargs):
        out = real(account_ids, **kwargs)
        seen.extend(str(item.pk) for items in out.values() for item in items)
        return out

    monkeypatch.setattr(services_marks_load, "marks_load", spy)
    return seen
