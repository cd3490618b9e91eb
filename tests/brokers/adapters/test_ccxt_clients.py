"""Per-account ccxt clients are clones of one prototype per exchange and thread: each signs with
its own keys and keeps its own options, and all of them reuse one HTTP connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest

from brokers.adapters.ccxt_adapter import CcxtAdapter
from brokers.errors import AuthenticationFailed
from tests.brokers.adapters.conftest import Keys


def test_two_accounts_cloned_from_one_prototype_each_see_their_own_balance(
    funded: Callable[..., Keys], adapter_for_keys: Callable[[Keys], CcxtAdapter]
) -> None:
    alice = adapter_for_keys(funded({"USDT": "111"}))
    bob = adapter_for_keys(funded({"USDT": "222"}))
    assert alice.exchange.api is bob.exchange.api  # the static tables are shared...
    assert alice.exchange.options is not bob.exchange.options  # ...the state is not
    assert alice.fetch_balance()["USDT"].total == Decimal("111")
    assert bob.fetch_balance()["USDT"].total == Decimal("222")
    assert alice.fetch_balance()["USDT"].total == Decimal("111")


def test_a_client_without_keys_stays_without_them_after_another_got_some(
    funded: Callable[..., Keys], adapter_for_keys: Callable[[Keys], CcxtAdapter]
) -> None:
    adapter_for_keys(funded())
    public = CcxtAdapter("simulator")
    assert not public.exchange.apiKey and not public.exchange.secret
    with pytest.raises(AuthenticationFailed):
        public.fetch_balance()
    public.close()


def test_one_clients_options_do_not_leak_into_the_next(
    funded: Callable[..., Keys], adapter_for_keys: Callable[[Keys], CcxtAdapter]
) -> None:
    first = adapter_for_keys(funded())
    first.exchange.options["recvWindow"] = 1234
    first.exchange.options["fetchMarkets"]["types"].append("future")
    second = adapter_for_keys(funded())
    assert second.exchange.options.get("recvWindow") != 1234
    assert second.exchange.options["fetchMarkets"]["types"] == ["spot"]


def test_the_clients_of_a_thread_share_one_session_that_a_closing_client_does_not_close(
    funded: Callable[..., Keys], adapter_for_keys: Callable[[Keys], CcxtAdapter]
) -> None:
    first = adapter_for_keys(funded())
    first.fetch_balance()
    second = adapter_for_keys(funded())
    assert second.exchange.session is first.exchange.session
    first.close()
    del first
    pools = second.exchange.session.get_adapter("http://").poolmanager.pools
    assert len(pools) == 1  # the connection the first client opened is still there to reuse
    assert second.fetch_balance()["USDT"].total == Decimal("10000")

    other_thread: list[object] = []
    thread = threading.Thread(target=lambda: other_thread.append(CcxtAdapter("simulator").exchange.session))
    thread.start()
    thread.join()
    assert other_thread[0] is not second.exchange.session  # sessions are not shared across threads
