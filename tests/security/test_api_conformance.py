"""Every operation of the OpenAPI schema answers as the schema says: a documented status, the
documented content type, a body that matches the documented schema. (tests/platform's fuzz
test checks only that nothing answers 5xx; the web app's generated client relies on this.)

Inputs are generated from the schema (valid ones: the documented contract is about them), a
few per operation, sent through the real WSGI stack by an admin who owns rows of every kind;
path parameters name those rows, so reads answer 200 and their bodies are checked too."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.sessions import session_start
from tests.factories import UserFactory
from tests.platform.test_api_fuzz import _keep_the_test_connection_open
from tests.security.estate import estate_build, path_values
from tests.trading.factories import ExchangeConfigFactory

__all__ = ["_keep_the_test_connection_open"]  # autouse: the WSGI app must not close the test's connection
pytestmark = pytest.mark.django_db
EXAMPLES_PER_OPERATION = 4
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]
# Health waits up to a second for workers on every call: one example each.
SLOW = ("/api/v1/health",)


def _summary(error: FailureGroup) -> str:
    return "; ".join(f"{failure.title}: {_detail(failure)}" for failure in error.exceptions)


def _detail(failure: Any) -> str:
    if hasattr(failure, "defined_status_codes"):
        return f"documented {', '.join(failure.defined_status_codes)}"
    if hasattr(failure, "instance_path"):
        where = "/".join(map(str, failure.instance_path)) or "the body"
        return f"at {where}: ...{failure._raw_message[-120:]}"  # the validator's sentence ends it
    return str(failure.message)[:200]


def test_every_answer_is_a_documented_status_content_type_and_body(
    settings_throttles_off, make_engine, admin_user
) -> None:
    engine = make_engine(admin_user)
    ExchangeConfigFactory(user=admin_user, label="spare")
    estate = estate_build(admin_user, account=engine.account, symbol="BTC/USDT")
    other = UserFactory()
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 60
    failures: dict[str, set[str]] = {}

    def exercise(case: Any) -> None:
        cache.clear()  # throttles and lockouts; a fresh session: a call may end the last one
        access = session_start(user=admin_user, request=None).access
        with transaction.atomic():
            response = case.call(headers={"Authorization": f"Bearer {access}"})
            transaction.set_rollback(True)  # every example starts from the same rows
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as error:  # every failed check of the answer, in one group
            failures.setdefault(case.operation.label, set()).add(f"{response.status_code}: {_summary(error)}")

    for operation in operations:
        fixed = path_values(operation.path, estate, other=other)
        strategy = operation.as_strategy(path_parameters=fixed)
        examples = 1 if operation.path.startswith(SLOW) else EXAMPLES_PER_OPERATION
        run = settings(
            max_examples=examples,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )(given(case=strategy)(exercise))
        run()
    report = [
        f"{label}: {problem}" for label, problems in sorted(failures.items()) for problem in sorted(problems)
    ]
    assert not report, f"{len(failures)} operations answer outside their documentation:\n" + "\n".join(report)
