"""The fleet-wide market cache as one process sees another's reload."""

from __future__ import annotations

import pytest

from brokers import markets


@pytest.fixture(autouse=True)
def _fresh() -> None:
    markets.forget_markets()


def test_a_reload_elsewhere_reaches_this_process_within_the_check_interval(monkeypatch) -> None:
    loads = iter([{"n": 1}, {"n": 2}])
    first = markets.shared_markets("test-ex", lambda: next(loads))
    assert first["n"] == 1
    # Another process reloads: the shared copy and its version stamp change.
    markets._load_and_store("test-ex", lambda: next(loads), fallback=None)
    markets._memo["test-ex"] = first  # this process still holds the old copy
    # Within the interval this process serves its copy without asking the cache...
    assert markets.shared_markets("test-ex", lambda: pytest.fail("no load expected"))["n"] == 1
    # ...and once it has passed, it finds the newer version and takes it.
    monkeypatch.setattr(markets, "VERSION_CHECK_SECONDS", 0.0)
    assert markets.shared_markets("test-ex", lambda: pytest.fail("no load expected"))["n"] == 2


def test_with_the_shared_cache_down_markets_still_load(settings) -> None:
    # Redis down (a real client against a port nothing listens on): the webhook still stores an
    # alert, from this process's copy or a fresh load (bench/chaos scenario 4 found a 500 here).
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    assert markets.shared_markets("test-ex", lambda: {"n": 1})["n"] == 1
    # A copy this process holds serves without the loader.
    assert markets.shared_markets("test-ex", lambda: pytest.fail("no load expected"))["n"] == 1
