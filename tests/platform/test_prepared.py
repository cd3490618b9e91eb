"""config/prepared.py: a hot statement is prepared once per PostgreSQL session and answers exactly
as the plain statement would; a statement that vanished (a pooler) turns preparing off."""

from __future__ import annotations

import pytest
from django.db import connection

from config import prepared
from config.prepared import fetchone


def _prepared_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


@pytest.fixture
def postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's PREPARE: other databases run the statement as it is")


def test_other_databases_run_the_statement_as_it_is(db) -> None:
    assert fetchone(connection, "tf_test_plain", "SELECT %s + 1, %s", [41, "x"]) == (42, "x")


def test_the_statement_is_prepared_once_and_answers_as_the_plain_one(db, postgres) -> None:
    sql = "SELECT %s::int + 1, %s::text"
    assert fetchone(connection, "tf_test_once", sql, [41, "a"]) == (42, "a")
    assert "tf_test_once" in _prepared_names()
    assert fetchone(connection, "tf_test_once", sql, [1, "it's"]) == (2, "it's")
    with connection.cursor() as cursor:
        cursor.execute(sql, [1, "it's"])
        assert cursor.fetchone() == (2, "it's")


def test_a_vanished_statement_turns_preparing_off_and_still_answers(
    transactional_db, postgres, monkeypatch
) -> None:
    monkeypatch.setattr(prepared, "_enabled", True)
    sql = "SELECT %s::int * 2"
    assert fetchone(connection, "tf_test_gone", sql, [2]) == (4,)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE tf_test_gone")  # what a transaction-mode pooler amounts to
    assert fetchone(connection, "tf_test_gone", sql, [3]) == (6,)
    assert prepared._enabled is False
    assert fetchone(connection, "tf_test_gone", sql, [4]) == (8,)


def test_behind_a_transaction_pooler_nothing_is_prepared(db, postgres, monkeypatch) -> None:
    # DISABLE_SERVER_SIDE_CURSORS is what DATABASE_URL sets behind PgBouncer (docker-compose.yml).
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    assert fetchone(connection, "tf_test_pooled", "SELECT %s::int + 1", [1]) == (2,)
    assert "tf_test_pooled" not in _prepared_names()


def test_the_setting_turns_preparing_off(db, postgres, settings) -> None:
    settings.DATABASE_PREPARED_STATEMENTS = False
    assert fetchone(connection, "tf_test_setting", "SELECT %s::int + 1", [1]) == (2,)
    assert "tf_test_setting" not in _prepared_names()


def test_a_name_another_client_prepared_turns_preparing_off_and_still_answers(
    transactional_db, postgres, monkeypatch
) -> None:
    monkeypatch.setattr(prepared, "_enabled", True)
    with connection.cursor() as cursor:
        # What a transaction-mode pooler amounts to: the server session already has the name.
        cursor.execute("PREPARE tf_test_taken AS SELECT 0")
    assert fetchone(connection, "tf_test_taken", "SELECT %s::int * 2", [3]) == (6,)
    assert prepared._enabled is False
