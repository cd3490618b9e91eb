"""The catalogue names every notification type of issue 19, each with a level, a category and a
label, and only the admins' types are admin-only."""

from __future__ import annotations

from notifications import types as catalogue

ISSUE_TYPES = {
    "signal_refused": "trading",
    "signal_queued": "trading",
    "position_opened": "trading",
    "leg_filled": "trading",
    "take_profit_hit": "trading",
    "position_closed": "trading",
    "queue_promoted": "trading",
    "risk_action": "trading",
    "daily_loss_breaker": "trading",
    "service_started": "service",
    "service_stopped": "service",
    "task_failed": "service",
    "key_invalid": "system",
    "rate_limited": "system",
    "market_data_late": "system",
    "ml_job_finished": "admin",
    "ml_job_failed": "admin",
    "error_spike": "admin",
    "user_locked_out": "admin",
    "backup_failed": "admin",
    "performance_alert": "admin",
    "performance_alert_resolved": "admin",
}


def test_every_type_of_the_issue_is_catalogued_in_its_category():
    assert {name: t.category for name, t in catalogue.CATALOGUE.items()} == ISSUE_TYPES


def test_only_the_admin_category_is_admin_only():
    for t in catalogue.CATALOGUE.values():
        assert t.admin_only == (t.category == catalogue.ADMIN), t.name
        assert t.default_level in catalogue.LEVELS
        assert t.label
        assert catalogue.IN_APP in t.channels  # the app sees everything by default


def test_the_breaker_is_critical_and_a_filled_leg_is_info():
    assert catalogue.default_level("daily_loss_breaker") == catalogue.CRITICAL
    assert catalogue.default_level("leg_filled") == catalogue.INFO


def test_levels_are_ordered():
    assert catalogue.at_least("critical", "warning")
    assert catalogue.at_least("warning", "warning")
    assert not catalogue.at_least("info", "warning")


def test_stored_switches_overlay_the_defaults_and_unknown_ones_are_ignored():
    merged = catalogue.merged_switches({"leg_filled": {"telegram": False}, "gone_type": {"email": True}})
    assert merged["leg_filled"] == {"in_app": True, "email": False, "telegram": False}
    assert "gone_type" not in merged
    assert merged["risk_action"] == {"in_app": True, "email": True, "telegram": True}
