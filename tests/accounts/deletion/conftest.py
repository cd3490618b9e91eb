from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

# The execution engine against the real exchange simulator, as the trading tests drive it.
from tests.trading.conftest import eager_celery, engine_simulator, make_engine  # noqa: F401

ME = "/api/v1/me"


@pytest.fixture
def delete_account() -> Any:
    """`delete_account(client, password, positions)`: the DELETE as the web app sends it."""

    def send(client: APIClient, password: str, positions: str | None = "leave") -> Any:
        body = {"password": password}
        if positions is not None:
            body["positions"] = positions
        return client.delete(ME, body, format="json")

    return send
