"""Splitting a tick by symbol (trading/runtime/partitions.py): every symbol in exactly one
partition, none empty, and no partition much heavier than an even split allows."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from trading.runtime.partitions import balanced, partition_count

weights = st.dictionaries(
    st.text(min_size=1, max_size=6), st.integers(min_value=0, max_value=5000), max_size=60
)


@given(weights, st.integers(min_value=1, max_value=20))
@example({"A": 0, "B": 0}, 2)  # symbols without groups still spread over the partitions
def test_every_symbol_lands_in_exactly_one_partition_and_none_is_empty(w, parts) -> None:
    out = balanced(w, parts)
    flat = [key for part in out for key in part]
    assert sorted(flat) == sorted(w)
    assert len(out) <= parts and all(out)
    assert balanced(w, parts) == out  # deterministic: every dispatcher splits alike


@given(weights, st.integers(min_value=1, max_value=20))
def test_no_partition_exceeds_an_even_share_by_more_than_its_heaviest_symbol(w, parts) -> None:
    out = balanced(w, parts)
    if not out:
        return
    even = sum(w.values()) / len(out)
    heaviest = max(w.values())
    assert max(sum(w[k] for k in part) for part in out) <= even + heaviest


def test_the_fleet_size_sets_the_number_of_partitions() -> None:
    assert partition_count(0, 10_000, 16) == 1
    assert partition_count(9_999, 10_000, 16) == 1
    assert partition_count(100_000, 10_000, 16) == 10
    assert partition_count(10**7, 10_000, 16) == 16
    # 100 symbols of 1,000 groups in 10 partitions: 10 symbols, 10,000 groups each.
    out = balanced({f"S{i:03d}": 1000 for i in range(100)}, 10)
    assert [len(p) for p in out] == [10] * 10
