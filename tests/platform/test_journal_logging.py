"""LOGGING sends the trade journal to the service log at the service log's level, whatever level
quiets the console, and prints it on the console at the console's level only."""

from __future__ import annotations

from config.logging import JOURNAL_LOGGER, logging_config


def test_the_journal_reaches_the_service_log_at_info_when_the_console_logs_warnings_only():
    config = logging_config(level="WARNING", fmt="text", access_level="WARNING", service_log_level="INFO")
    journal = config["loggers"][JOURNAL_LOGGER]
    assert (journal["level"], journal["propagate"]) == (20, False)
    assert journal["handlers"] == ["service_log", "journal_console"]
    assert config["handlers"]["journal_console"]["level"] == "WARNING"
    assert config["handlers"]["service_log"]["level"] == "INFO"


def test_a_quieter_service_log_keeps_the_journal_at_the_consoles_level():
    config = logging_config(level="DEBUG", fmt="json", access_level="WARNING", service_log_level="WARNING")
    assert config["loggers"][JOURNAL_LOGGER]["level"] == 10
