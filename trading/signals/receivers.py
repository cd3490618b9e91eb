"""What the signals subpackage reacts to: a change to an account, a DCA configuration, a trading
configuration or the service state drops the user's cached routes (routing.py)."""

from trading.signals import routing


def connect() -> None:
    routing.connect()
