"""Public adapters (markets, tickers) come from one pool per process: a request served in a
thread of its own, as ASGI serves each one, reuses a client instead of building one, and two
threads never use the same adapter at the same moment. On the simulator over HTTP."""

from __future__ import annotations

import threading

import pytest

from brokers.adapters import cache as adapter_cache
from brokers.adapters.cache import forget_adapters, public_adapter_lease


@pytest.fixture
def built(monkeypatch) -> list[object]:
    """The public adapters built while the test runs."""
    made: list[object] = []
    real = adapter_cache.public_adapter

    def counting(*args, **kwargs):
        adapter = real(*args, **kwargs)
        made.append(adapter)
        return adapter

    forget_adapters()
    monkeypatch.setattr(adapter_cache, "public_adapter", counting)
    yield made
    forget_adapters()


def _in_a_thread_of_its_own(fn) -> None:
    thread = threading.Thread(target=fn)
    thread.start()
    thread.join(timeout=30)


def test_market_lookups_from_short_lived_threads_build_one_client(simulator, built):
    seen: list[str] = []

    def lookup() -> None:
        with public_adapter_lease("simulator") as adapter:
            seen.append(adapter.market("BTCUSDT").symbol)

    for _ in range(5):
        _in_a_thread_of_its_own(lookup)
    assert seen == ["BTC/USDT"] * 5
    assert len(built) == 1


def test_two_threads_at_the_same_moment_hold_two_adapters(simulator, built):
    both_in = threading.Barrier(2)
    held: list[object] = []

    def lookup() -> None:
        with public_adapter_lease("simulator") as adapter:
            adapter.market("BTC/USDT")
            held.append(adapter)
            both_in.wait(timeout=10)

    threads = [threading.Thread(target=lookup) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(held) == 2 and held[0] is not held[1]
    with public_adapter_lease("simulator") as adapter:  # both went back to the pool
        assert adapter in held
    assert len(built) == 2
