"""Percentiles from buckets, as Prometheus' histogram_quantile answers them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ops.monitoring.quantiles import bucket_add, histogram_quantile

BUCKETS = {"0.1": 10.0, "0.5": 60.0, "1": 100.0, "+Inf": 100.0}


def test_interpolates_inside_the_bucket_the_rank_falls_in() -> None:
    assert histogram_quantile(0.1, BUCKETS) == pytest.approx(0.1)
    assert histogram_quantile(0.5, BUCKETS) == pytest.approx(0.1 + 0.4 * 40 / 50)
    assert histogram_quantile(0.99, BUCKETS) == pytest.approx(0.5 + 0.5 * 39 / 40)


def test_the_lowest_bucket_starts_at_zero() -> None:
    assert histogram_quantile(0.05, BUCKETS) == pytest.approx(0.05)


def test_a_rank_in_the_inf_bucket_is_the_highest_finite_bound() -> None:
    assert histogram_quantile(0.99, {"0.1": 1.0, "1": 2.0, "+Inf": 10.0}) == 1.0


def test_no_observations_is_none() -> None:
    assert histogram_quantile(0.5, {}) is None
    assert histogram_quantile(0.5, {"0.1": 0.0, "+Inf": 0.0}) is None


def test_buckets_of_several_processes_add_up() -> None:
    total = bucket_add(bucket_add({}, {"0.1": 1, "+Inf": 2}), {"0.1": 3, "+Inf": 3})
    assert total == {"0.1": 4.0, "+Inf": 5.0}


@given(
    counts=st.lists(st.integers(min_value=0, max_value=50), min_size=3, max_size=3),
    q=st.floats(min_value=0.01, max_value=0.99),
)
def test_a_quantile_stays_within_the_bounds_and_grows_with_q(counts: list[int], q: float) -> None:
    cumulative, running = {}, 0
    for le, count in zip(("0.1", "1", "+Inf"), counts, strict=True):
        running += count
        cumulative[le] = float(running)
    value = histogram_quantile(q, cumulative)
    if running == 0:
        assert value is None
        return
    assert value is not None
    assert 0 <= value <= 1
    higher = histogram_quantile(min(0.999, q + 0.005), cumulative)
    assert higher is not None
    assert higher >= value - 1e-9
