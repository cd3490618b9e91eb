from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import Role, User
from accounts.sessions import session_start
from brokers.simulator import SimulatorOptions
from brokers.simulator.control import EmbeddedSimulator, start_embedded
from notifications.events import group_for_user
from tests.factories import PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    # Throttle and lockout counters live in the cache; every test starts from zero. Adapters are
    # kept per thread and remember the simulator URL they were built for: tests start their own.
    from brokers.adapters.cache import forget_adapters

    cache.clear()
    forget_adapters()
    yield
    cache.clear()
    forget_adapters()


@pytest.fixture(autouse=True)
def _service_log_sync(settings) -> None:
    # The service-log handler writes from a background thread in production; in tests it writes
    # in the caller's thread, inside the test's transaction, so rows never leak between tests.
    settings.SERVICE_LOG_SYNC = True


@pytest.fixture(autouse=True)
def _no_metrics_flusher(settings) -> None:
    # Each process flushes its metrics from a thread (ops/monitoring/recorder.py); tests flush
    # when they want, inside their own transaction.
    settings.MONITORING_FLUSH_SECONDS = 0


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # PBKDF2 at production strength costs ~250 ms a hash; the smoke test keeps the real one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _static_without_collectstatic(settings) -> None:
    # Production uses the hashed-manifest storage, which needs `collectstatic` (the Docker build
    # runs it); tests serve pages straight from the apps' static folders instead.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def trader(db: None) -> User:
    return UserFactory(role=Role.TRADER)


@pytest.fixture
def other_trader(db: None) -> User:
    return UserFactory(role=Role.TRADER)


@pytest.fixture
def viewer(db: None) -> User:
    return UserFactory(role=Role.VIEWER)


@pytest.fixture
def manager(db: None) -> User:
    return UserFactory(role=Role.MANAGER)


@pytest.fixture
def admin_user(db: None) -> User:
    return UserFactory(role=Role.ADMIN)


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for(db: None) -> Callable[[User], APIClient]:
    """An API client logged in as `user` through a real session (tokens as the API issues them)."""

    def make(user: User) -> APIClient:
        client = APIClient()
        pair = session_start(user=user, request=None)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair.access}")
        client.tokens = pair  # type: ignore[attr-defined]  # tests read the pair back
        return client

    return make


@pytest.fixture
def api(client_for: Callable[[User], APIClient], trader: User) -> APIClient:
    return client_for(trader)


@pytest.fixture
def live_events(settings: Any) -> Callable[[Any], Callable[[], list[dict[str, Any]]]]:
    """`take = live_events(user)`; later `take()` returns the events that reached the user's group."""
    settings.CHANNEL_LAYERS = copy.deepcopy(settings.CHANNEL_LAYERS)  # a fresh layer per test
    layer = get_channel_layer()

    def listen(user: Any) -> Callable[[], list[dict[str, Any]]]:
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(group_for_user(user.pk), channel)

        def take() -> list[dict[str, Any]]:
            received: list[dict[str, Any]] = []

            async def drain() -> None:
                while True:
                    try:
                        message = await asyncio.wait_for(layer.receive(channel), 0.3)
                    except TimeoutError:
                        return
                    received.append(message["event"])

            async_to_sync(drain)()
            return received

        return take

    return listen


@pytest.fixture(scope="module")
def running_simulator() -> Iterator[EmbeddedSimulator]:
    """The built-in crypto exchange on a free port, one per test module, with an hour of 1m
    candles; tick_seconds=0: prices move only when a test sets them."""
    sim = start_embedded(SimulatorOptions(port=0, tick_seconds=0, history_minutes=60))
    yield sim
    sim.stop()


@pytest.fixture
def point_at_simulator(settings: Any, running_simulator: EmbeddedSimulator) -> EmbeddedSimulator:
    """Exchange calls and the admin's price control go to this module's simulator
    (`pytestmark = pytest.mark.usefixtures("point_at_simulator")` for a whole module)."""
    settings.SIMULATOR_URL = running_simulator.base_url
    settings.SIMULATOR_CONTROL_TOKEN = running_simulator.control.token
    return running_simulator
