"""The security suites reuse fixtures of other suites: the engine's (a real exchange simulator
over HTTP, Celery run eagerly after each commit) for the calls that must reach an exchange to
succeed, and the API fuzz test's throttles switch (hundreds of requests from one client)."""

from __future__ import annotations

from tests.platform.test_api_fuzz import settings_throttles_off
from tests.trading.conftest import eager_celery, engine_simulator, make_engine

__all__ = ["eager_celery", "engine_simulator", "make_engine", "settings_throttles_off"]
