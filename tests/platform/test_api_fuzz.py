"""Every endpoint in the OpenAPI schema, fed generated input (valid and invalid): never a 500.

Requests go through the real WSGI stack (middleware, auth, serializers, services) on the test
database, authenticated as an admin so the generated bodies reach the services."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, settings

from accounts.sessions import session_start
from tests.factories import UserFactory

EXAMPLES_PER_OPERATION = 30
# Operations that take no input: a few calls say all there is to say. Loading the sample history
# stores 14,000 candles a call (3 s); 30 calls were 97 s of this test.
FEWER_EXAMPLES = {"POST /api/v1/ml/sample-data": 2}


@pytest.mark.django_db
def test_no_generated_input_makes_any_endpoint_answer_5xx(settings_throttles_off):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    admin = UserFactory(role="admin")
    failures: list[str] = []
    # Health takes no input (its own tests cover it) and waits up to 1 s for workers per call.
    operations = [op for op in (r.ok() for r in schema.get_all_operations()) if "/health" not in op.label]
    assert len(operations) >= 15
    # The public webhook too: its body is text/plain or JSON, generated from the alert's schema.
    assert "POST /api/v1/webhooks/{user_id}" in {op.label for op in operations}

    def exercise(case):
        # Throttle counters reset and a fresh session each time: generated calls may log out or
        # revoke the last one, and login/register have their own per-view throttles.
        cache.clear()
        access = session_start(user=admin, request=None).access
        # A savepoint per example, so one failure cannot break the transaction for the rest.
        with transaction.atomic():
            response = case.call(headers={"Authorization": f"Bearer {access}"})
        # 503 in our error shape is the documented answer while a dependency (here: no exchange
        # simulator runs) is down; anything else 5xx is a crash.
        dependency_down = response.status_code == 503 and "detail" in response.json()
        if response.status_code >= 500 and not dependency_down:
            failures.append(f"{case.operation.label}: {response.status_code} {case.body!r} {case.query!r}")

    for operation in operations:
        run = settings(
            max_examples=FEWER_EXAMPLES.get(operation.label, EXAMPLES_PER_OPERATION),
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )(given(case=operation.as_strategy())(exercise))
        run()
    assert not failures, "\n".join(failures[:20])


@pytest.fixture(autouse=True)
def _keep_the_test_connection_open():
    # A bare WSGI app closes the DB connection after each request, which would end the test's
    # transaction; Django's own test client detaches this handler the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def settings_throttles_off(settings):
    # Thousands of requests from one test client: the throttles would answer most with 429.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
