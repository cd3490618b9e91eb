"""The house task decorator (config/tasks.py): retries only what it names, and counts every run."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from config.tasks import MAX_RETRY_BACKOFF, house_task


class ExchangeBusy(Exception):
    """A transient failure the task names."""


class BrokenInvariant(Exception):
    """A bug: never worth a retry."""


attempts: dict[str, int] = {}


@house_task(name="tests.flaky_then_fine", retry_on=(ExchangeBusy,), max_retries=3, retry_backoff_max=1)
def flaky_then_fine(*, key: str, failures: int) -> str:
    attempts[key] = attempts.get(key, 0) + 1
    if attempts[key] <= failures:
        raise ExchangeBusy("try again")
    return "done"


@house_task(name="tests.broken", retry_on=(ExchangeBusy,), max_retries=3)
def broken(*, key: str) -> None:
    attempts[key] = attempts.get(key, 0) + 1
    raise BrokenInvariant("this is a bug")


def outcomes(task: str) -> dict[str, float]:
    def count(outcome: str) -> float:
        labels = {"task": task, "outcome": outcome}
        return REGISTRY.get_sample_value("tradefleet_task_outcomes_total", labels) or 0.0

    return {outcome: count(outcome) for outcome in ("success", "retry", "failure")}


def runs_timed(task: str) -> float:
    return REGISTRY.get_sample_value("tradefleet_task_duration_seconds_count", {"task": task}) or 0.0


def _delta(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {key: after[key] - before[key] for key in after}


def test_named_transient_error_is_retried_until_the_task_succeeds() -> None:
    before, timed_before = outcomes("tests.flaky_then_fine"), runs_timed("tests.flaky_then_fine")
    result = flaky_then_fine.apply(kwargs={"key": "recovers", "failures": 2})
    assert result.successful()
    assert result.get() == "done"
    assert attempts["recovers"] == 3
    assert _delta(outcomes("tests.flaky_then_fine"), before) == {"success": 1, "retry": 2, "failure": 0}
    assert runs_timed("tests.flaky_then_fine") - timed_before == 3


def test_named_error_stops_being_retried_after_max_retries() -> None:
    before = outcomes("tests.flaky_then_fine")
    result = flaky_then_fine.apply(kwargs={"key": "never", "failures": 99})
    assert result.failed()
    assert isinstance(result.result, ExchangeBusy)
    assert attempts["never"] == 1 + 3
    assert _delta(outcomes("tests.flaky_then_fine"), before) == {"success": 0, "retry": 3, "failure": 1}


def test_unnamed_error_fails_at_once_without_retry() -> None:
    before = outcomes("tests.broken")
    result = broken.apply(kwargs={"key": "bug"})
    assert result.failed()
    assert isinstance(result.result, BrokenInvariant)
    assert attempts["bug"] == 1
    assert _delta(outcomes("tests.broken"), before) == {"success": 0, "retry": 0, "failure": 1}


def test_unnamed_error_propagates_to_the_caller_when_thrown() -> None:
    with pytest.raises(BrokenInvariant):
        broken.apply(kwargs={"key": "thrown"}, throw=True)


def test_house_defaults_late_ack_json_and_capped_backoff() -> None:
    assert flaky_then_fine.acks_late is True
    assert flaky_then_fine.serializer == "json"
    assert flaky_then_fine.autoretry_for == (ExchangeBusy,)
    assert flaky_then_fine.retry_backoff_max == 1
    assert broken.autoretry_for == (ExchangeBusy,)


def test_a_backoff_near_the_visibility_timeout_is_refused() -> None:
    with pytest.raises(ValueError, match="retry_backoff_max"):
        house_task(name="tests.too_patient", retry_backoff_max=MAX_RETRY_BACKOFF + 1)
