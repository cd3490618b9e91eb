"""`make run` beside another instance, and a console that keeps the banner in view (issue 20, 6)."""

from __future__ import annotations

import logging
import socket

import pytest

from config.embedded import _free_url
from config.logging import logging_config


@pytest.fixture
def taken_port():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def test_a_taken_simulator_port_moves_to_a_free_one_in_one_line(settings, monkeypatch, taken_port, caplog):
    monkeypatch.delenv("SIMULATOR_URL", raising=False)
    settings.SIMULATOR_URL = f"http://127.0.0.1:{taken_port}"
    with caplog.at_level(logging.WARNING, logger="tradefleet.embedded"):
        moved = _free_url("SIMULATOR_URL", "the exchange simulator", default_port=9009)
    assert moved.startswith("http://127.0.0.1:") and moved != settings.SIMULATOR_URL
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", int(moved.rsplit(":", 1)[1])))  # free indeed
    [line] = caplog.messages
    assert f"port {taken_port} is taken" in line and moved in line


def test_a_port_the_environment_chose_is_kept_even_when_taken(settings, monkeypatch, taken_port):
    url = f"http://127.0.0.1:{taken_port}"
    monkeypatch.setenv("SIMULATOR_URL", url)
    settings.SIMULATOR_URL = url
    assert _free_url("SIMULATOR_URL", "the exchange simulator", default_port=9009) == url


def test_a_free_port_is_kept(settings, monkeypatch):
    monkeypatch.delenv("SIMULATOR_URL", raising=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    settings.SIMULATOR_URL = f"http://127.0.0.1:{port}"
    assert _free_url("SIMULATOR_URL", "the exchange simulator", default_port=9009) == settings.SIMULATOR_URL


def test_a_quiet_console_still_feeds_the_service_log_and_the_journal():
    config = logging_config(level="INFO", fmt="text", access_level="WARNING", console_level="WARNING")
    assert config["handlers"]["console"]["level"] == "WARNING"
    assert config["root"]["level"] == "INFO"  # INFO lines are still made: the service log keeps them
    assert config["handlers"]["service_log"]["level"] == "INFO"
    assert config["handlers"]["journal_console"]["level"] == "INFO"  # the trade journal stays in view
