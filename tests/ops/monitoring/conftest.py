"""Fixtures of the performance dashboard tests: no flusher thread (a test flushes when it wants),
the latency middleware in place, and a recorder that counts from the test's start."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Role, User
from ops.monitoring.recorder import Recorder, recorder_stop, registry_snapshot
from tests.factories import UserFactory

MIDDLEWARE_PATH = "config.metrics_http.HttpLatencyMiddleware"


@pytest.fixture(autouse=True)
def _no_flusher_thread(settings: Any) -> None:
    recorder_stop()  # one an earlier test's request may have started in this process
    settings.MONITORING_FLUSH_SECONDS = 0
    if MIDDLEWARE_PATH not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [MIDDLEWARE_PATH, *settings.MIDDLEWARE]


@pytest.fixture
def web_recorder() -> Recorder:
    """A web process's recorder whose first flush holds only what the test did (the registry
    is the whole test run's)."""
    return Recorder(kind="web", process="tests:web", flushed=registry_snapshot())


@pytest.fixture
def admin_api(client_for: Callable[[User], APIClient], admin_user: User) -> APIClient:
    return client_for(admin_user)


@pytest.fixture
def second_admin(db: None) -> User:
    return UserFactory(role=Role.ADMIN)
